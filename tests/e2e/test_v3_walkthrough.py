"""The README's "adding a version" walk-through, through the tool's CLI, while a client keeps calling. The new
version is a model trained elsewhere: PP-OCRv4 mobile (recognizer and detector), imported from its pinned wheel."""
import time

import requests

from tests.lines import rendered_page
from tests.stack import LoopingClient
from training.import_models import import_version


def test_an_imported_v3_is_built_deployed_canaried_promoted_and_v1_retired_without_a_failed_request(stack,
                                                                                                   services_dir):
    import_version("v3", "ppocrv4-mobile", services_dir)
    client = LoopingClient(stack.url)
    client.start()
    try:
        stack.commands(["deploy", "v3"], ["canary", "10", "--version", "v3"])
        deadline = time.monotonic() + 30
        while "v3" not in client.answers[-200:]:
            assert time.monotonic() < deadline, "v3 never answered at 10%"
            time.sleep(0.2)
        page, _ = rendered_page()
        pinned = requests.post(f"{stack.url}/ocr", files={"image": ("page.png", page)},
                               headers={"X-Model-Version": "v3"}, timeout=30)
        assert pinned.json()["mode"] == "page" and pinned.json()["used_model"] == "v3"
        assert pinned.json()["text"] == direct_page_reading_of(services_dir / "ocr-v3", page)
        stack.commands(["promote"], ["retire", "v1"])
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


def direct_page_reading_of(directory, data: bytes) -> str:
    from ocr.page import PageReader
    from ocr.preprocess import decode_image

    return PageReader.from_directory(directory).read(decode_image(data)).text
