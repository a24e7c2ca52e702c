"""The README's "adding a version" walk-through on Swarm, through the tool's CLI, while a client keeps calling:
a model trained elsewhere (PP-OCRv4 mobile, imported from its pinned wheel) deployed as v3 with replicas,
canaried, promoted, and v1 retired."""
import pytest
import requests

from canary import commands, prometheus
from tests.helpers import wait_for
from tests.stack import LoopingClient
from training.import_models import import_version

pytestmark = pytest.mark.slow


def test_an_imported_v3_is_deployed_with_replicas_canaried_promoted_and_v1_retired_without_a_failed_request(
        stack, services_dir):
    import_version("v3", "ppocrv4-mobile", services_dir)
    client = LoopingClient(stack.url)
    client.start()
    try:
        stack.commands(["deploy", "v3"], ["canary", "10", "--version", "v3"])
        wait_for(lambda: "v3" in client.answers[-200:], 60, "v3 answers at 10%")
        # v3 answers once its first replica is healthy; the second may still be starting.
        wait_for(lambda: len(stack.backend.running_tasks("ocr-v3")) == 2, 60, "both v3 replicas running")
        # Prometheus finds the new version's replicas by DNS, with no change to its config
        wait_for(lambda: prometheus.targets_up(stack.backend.prometheus_url).get("versions") == 6, 30,
                 "Prometheus scrapes v3's replicas")
        stack.commands(["promote"], ["retire", "v1"])
    finally:
        client.finish()
    try:
        assert client.failures == []
        assert {"v1", "v3"} <= set(client.answers)
        with requests.Session() as session:
            # Once settled, v3 answers every unpinned request. Within the moment after retire, one request in four
            # runs here was answered by v2 (still deployed: the gateway's failover after a v3 attempt failed), so
            # the steady state is what is asserted; client.failures above holds the no-failed-request promise.
            wait_for(lambda: set(stack.answered_by(session, 60)) == {"v3"}, 30, "v3 answering every request")
        state = stack.store.read()
        assert (state.stable, state.deployed) == ("v3", ("v2", "v3"))
        assert stack.backend.service("ocr-v1") is None
    finally:  # the baseline again, for whatever runs next
        commands.deploy(stack.backend, stack.store, "v1")
        stack.reset_to_baseline()
        stack.backend.stop_version("v3")
