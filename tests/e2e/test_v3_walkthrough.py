"""The README's "adding a version" walk-through, through the tool's CLI, while a client keeps calling."""
import time

import requests

from tests.helpers import new_version_folder
from tests.stack import LoopingClient


def test_v3_is_built_deployed_canaried_promoted_and_v1_retired_without_a_failed_request(stack, services_dir):
    new_version_folder(services_dir, "v3")
    client = LoopingClient(stack.url)
    client.start()
    try:
        for step in (["deploy", "v3"], ["canary", "10", "--version", "v3"]):
            completed = stack.cli(*step)
            assert completed.returncode == 0, (step, completed.stderr)
        deadline = time.monotonic() + 30
        while "v3" not in client.answers[-200:]:
            assert time.monotonic() < deadline, "v3 never answered at 10%"
            time.sleep(0.2)
        for step in (["promote"], ["retire", "v1"]):
            completed = stack.cli(*step)
            assert completed.returncode == 0, (step, completed.stderr)
        time.sleep(1)
    finally:
        client.finish()
    assert client.failures == []
    assert {"v1", "v3"} <= set(client.answers)
    with requests.Session() as session:
        assert {session.get(f"{stack.url}/", timeout=10).headers["X-Model-Version"] for _ in range(50)} == {"v3"}
    state = stack.store.read()
    assert (state.stable, state.deployed) == ("v3", ("v2", "v3"))
    assert stack.backend.container("ocr-v1").status == "exited"
    assert [entry["action"] for entry in stack.store.history()][-4:] == ["deploy", "canary", "promote", "retire"]
