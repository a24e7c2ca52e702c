"""The stack on Swarm: replicas of every version and of the gateway, one routing state every gateway replica
follows, and no failed request while weights move, replicas die, scale or are replaced."""
import collections
import json
import socket
from dataclasses import replace
import subprocess
import time

import pytest
import requests

from canary import commands, prometheus
from tests.helpers import assert_share, wait_for
from tests.stack import LINE_IMAGE, LoopingClient

pytestmark = pytest.mark.slow


def post_line(session, url, **headers):
    return session.post(f"{url}/ocr", data=LINE_IMAGE, timeout=30, headers={"Content-Type": "image/png", **headers})


def running_containers(stack, node, service: str) -> list:
    return [node.containers.get(task["Status"]["ContainerStatus"]["ContainerID"])
            for task in stack.backend.running_tasks(service)]


def scale(stack, service: str, replicas: int) -> None:
    stack.backend.scale(service, replicas)


class Load:
    """Keep-alive clients calling the published port for the length of a `with` block; none may fail."""

    def __init__(self, url, clients=2):
        self.clients = [LoopingClient(url) for _ in range(clients)]

    def __enter__(self):
        for client in self.clients:
            client.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        for client in self.clients:
            client.finish()
        self.answers = [answer for client in self.clients for answer in client.answers]
        self.failures = [failure for client in self.clients for failure in client.failures]


def test_every_version_and_the_gateway_run_replicas_and_weight_30_splits_30_percent(stack, node, session):
    for service in ("ocr-v1", "ocr-v2", "gateway"):
        assert len(stack.backend.running_tasks(service)) == 2, service
    stack.cli("canary", "30").check_returncode()
    counts = collections.Counter(session.get(f"{stack.url}/", timeout=10).headers["X-Model-Version"]
                                 for _ in range(1000))
    assert_share(counts["v2"], 1000, 0.30)
    for gateway in running_containers(stack, node, "gateway"):  # the edge spreads requests over both
        assert gateway.logs(stdout=True, stderr=False, since=int(time.time() - 60)).count(b'"chosen":"v') > 100


def test_the_command_returns_once_every_replica_routes_by_the_new_state(stack, session):
    completed = stack.cli("canary", "100")
    assert completed.returncode == 0, completed.stderr
    assert "every gateway replica (2) routes by it" in completed.stdout
    assert set(stack.answered_by(session, 60)) == {"v2"}  # at once, whichever replica answers
    started = time.perf_counter()
    completed = stack.cli("rollback")
    assert completed.returncode == 0, completed.stderr
    assert time.perf_counter() - started < 5  # a Python start-up and the change; the change itself below
    assert set(stack.answered_by(session, 60)) == {"v1"}


def test_200_weight_changes_and_20_rollbacks_fail_no_request_and_reach_every_replica_fast(stack):
    reached = []
    with Load(stack.url) as load:
        for round_ in range(200):
            state, _ = commands.set_canary_weight(stack.backend, stack.store, (round_ * 37) % 101)
            reached.append(stack.backend.wait_propagated(state.generation))
            if round_ % 10 == 9:
                state, _ = commands.rollback(stack.backend, stack.store)
                reached.append(stack.backend.wait_propagated(state.generation))
    assert load.failures == []
    assert len(load.answers) > 100 and set(load.answers) == {"v1", "v2"}
    # The bound a change must keep; how fast it usually is (the goal: 100 ms) is measured by `make bench`.
    assert len(reached) == 220 and max(reached) < 1.0, max(reached)


@pytest.mark.parametrize("service", ["gateway", "ocr-v1", "ocr-v2"])
def test_killing_one_replica_fails_no_request(stack, node, service):
    stack.set_weight(50)
    with Load(stack.url) as load:
        running_containers(stack, node, service)[0].kill()
        time.sleep(6)
    assert load.failures == []
    assert set(load.answers) == {"v1", "v2"}
    wait_for(lambda: len(stack.backend.running_tasks(service)) == 2, 90, f"swarm replaces the killed {service}")


def test_scaling_a_version_up_and_down_fails_no_request(stack):
    stack.set_weight(50)
    before = {task["ID"] for task in stack.backend.running_tasks("ocr-v2")}
    with Load(stack.url) as load:
        scale(stack, "ocr-v2", 3)
        wait_for(lambda: len(stack.backend.running_tasks("ocr-v2")) == 3, 120, "a third v2 replica")
        assert before <= {task["ID"] for task in stack.backend.running_tasks("ocr-v2")}  # added, none replaced
        scale(stack, "ocr-v2", 1)
        wait_for(lambda: len(stack.backend.running_tasks("ocr-v2")) == 1, 60, "one v2 replica")
        time.sleep(2)
    scale(stack, "ocr-v2", 2)
    assert load.failures == []
    assert set(load.answers) == {"v1", "v2"}
    wait_for(lambda: len(stack.backend.running_tasks("ocr-v2")) == 2, 120, "two v2 replicas again")


def test_a_rolling_update_of_a_version_fails_no_request(stack):
    stack.set_weight(50)
    service = stack.backend.service("ocr-v2")
    before = {task["ID"] for task in stack.backend.running_tasks("ocr-v2")}
    with Load(stack.url) as load:
        service.force_update()  # a new task per replica: started first, traffic only once /readyz passes
        wait_for(lambda: not before & {task["ID"] for task in stack.backend.running_tasks("ocr-v2")}
                 and len(stack.backend.running_tasks("ocr-v2")) == 2, 240, "every v2 replica replaced")
        time.sleep(2)
    assert load.failures == []
    assert set(load.answers) == {"v1", "v2"}


def test_a_replica_started_later_routes_by_the_current_state_from_its_first_request(stack, session):
    stack.set_weight(100)
    scale(stack, "gateway", 3)
    try:
        wait_for(lambda: len(stack.backend.running_tasks("gateway")) == 3, 60, "a third gateway replica")
        generation = stack.store.read().generation
        assert set(stack.backend.followers().values()) == {str(generation)}
        assert set(stack.answered_by(session, 90)) == {"v2"}
    finally:
        scale(stack, "gateway", 2)
        wait_for(lambda: len(stack.backend.running_tasks("gateway")) == 2, 60, "two gateway replicas")


def test_replicas_that_lose_the_state_source_keep_routing_by_the_last_state_and_say_so(stack, session):
    stack.set_weight(100)
    scale(stack, "state", 0)
    try:
        wait_for(lambda: all(task["Status"]["State"] != "running" for task in stack.backend.service("state").tasks()),
                 30, "the relay stopped")
        with stack.store.locked():  # a change the replicas cannot hear of
            stack.store.write(replace(stack.store.read(), canary_weight=0), "test")
        assert set(stack.answered_by(session, 60)) == {"v2"}  # still the last state they held
        wait_for(lambda: sum("state_source_lost" in line for line in stack.backend.gateway_log(60)) >= 2, 40,
                 "each replica logs that it lost its source")
    finally:
        scale(stack, "state", 1)
    generation = stack.store.read().generation
    stack.backend.wait_propagated(generation, timeout_s=60)
    assert set(stack.answered_by(session, 60)) == {"v1"}
    assert any("state_source_restored" in line for line in stack.backend.gateway_log(60))


def test_the_published_port_answers_on_loopback_only(stack):
    port = int(stack.url.rpartition(":")[2])
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout
    assert f":{port} " not in listening  # no socket on this machine's interfaces: the node holds the port
    interfaces = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout.splitlines()
    addresses = [line.split()[3].split("/")[0] for line in interfaces
                 if line.split()[1] not in ("lo", "ocr-swarm0")]  # the bridge to the nodes is private
    assert addresses, interfaces
    for address in addresses:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
    assert requests.get(f"{stack.url}/healthz", timeout=5).status_code == 200


def test_prometheus_discovers_every_version_replica_and_gateway_replica_by_dns(stack):
    running = {"versions": len(stack.backend.running_tasks("ocr-v1")) + len(stack.backend.running_tasks("ocr-v2")),
               "gateways": len(stack.backend.running_tasks("gateway"))}
    assert running == {"versions": 4, "gateways": 2}
    wait_for(lambda: prometheus.targets_up(stack.backend.prometheus_url) == running, 30,
             f"Prometheus scrapes {running}")


def test_status_and_the_gates_read_figures_that_cover_every_replica(stack, node):
    stack.set_weight(50)
    with requests.Session() as session:
        for _ in range(120):
            post_line(session, stack.url).raise_for_status()
    for version in ("v1", "v2"):
        replicas = [prometheus.query(stack.backend.prometheus_url,
                                     f'sum(ocr_requests_total{{version="{version}", instance="{address}:8000"}})')
                    for address in map(stack.backend.task_address, stack.backend.running_tasks(f"ocr-{version}"))]
        assert len(replicas) == 2 and all(float(answer[0]["value"][1]) > 0 for answer in replicas), replicas
        direct = stack.backend.scrape_replicas(version)
        wait_for(lambda: stack.backend.scrape(version) == direct, 15, f"Prometheus' {version} figures catch up")
    assert direct.requests > 0 and direct.requests == stack.backend.scrape("v2").requests
    report = json.loads(stack.cli("status", "--json").stdout)
    for version in ("v1", "v2"):
        assert report["versions"][version]["rates_over"] == "1 min (Prometheus)"
        assert report["versions"][version]["requests_per_s"] > 0
