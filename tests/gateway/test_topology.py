"""Deploy and retire change the set of versions (routing state only: the gateway is not reloaded); status
reports live figures."""
import json
import time

from canary.backends.local import child_pids, pid_alive
from tests.lines import KNOWN_TEXTS, rendered_line


def test_retire_then_deploy_changes_what_the_gateway_routes_to(stack, session):
    nginx_pid = pid_alive(stack.backend.run_dir / "gateway" / "nginx.pid")
    workers = child_pids(nginx_pid)
    retired = stack.cli("retire", "v2")
    assert retired.returncode == 0, retired.stderr
    assert stack.store.read().deployed == ("v1",) and stack.store.read().canary is None
    assert not stack.backend.health("v2").alive
    pinned = session.get(f"{stack.url}/", headers={"X-Model-Version": "v2"}, timeout=5)
    assert pinned.status_code == 404 and "deployed: v1" in pinned.json()["error"]
    assert set(stack.answered_by(session, 20)) == {"v1"}

    deployed = stack.cli("deploy", "v2")
    assert deployed.returncode == 0, deployed.stderr
    assert stack.store.read().deployed == ("v1", "v2")
    assert set(stack.answered_by(session, 20, **{"X-Model-Version": "v2"})) == {"v2"}
    assert pid_alive(stack.backend.run_dir / "gateway" / "nginx.pid") == nginx_pid
    assert child_pids(nginx_pid) == workers  # not reloaded: the same worker routes to the version it found


def test_status_reports_health_and_figures_per_version(stack, session):
    before = json.loads(stack.cli("status", "--json").stdout)["versions"]["v1"]
    line = rendered_line(KNOWN_TEXTS[0])
    for pin in [{"X-Model-Version": "v1"}] * 5 + [{}] * 4:
        session.post(f"{stack.url}/ocr", data=line, headers={"Content-Type": "image/png", **pin}, timeout=10)
    for pin in ({"X-Model-Version": "v1"}, {}):  # a client's garbage, pinned and routed: the client's error
        session.post(f"{stack.url}/ocr", data=b"", headers={"Content-Type": "image/png", **pin}, timeout=5)
    completed = stack.cli("status", "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["versions"]["v1"]["role"] == "stable" and report["versions"]["v1"]["weight"] == 100
    assert report["versions"]["v2"]["role"] == "canary" and report["versions"]["v2"]["weight"] == 0
    table = stack.cli("status").stdout.splitlines()
    assert table[0] == "stable v1, canary v2 at 0%"
    assert table[1].split() == ["version", "role", "weight", "ready", "req/s", "pinned/s", "errors", "p50", "ms",
                                "p95", "ms", "confidence", "gw", "fails", "routed", "around"]
    assert table[2].split()[:4] == ["v1", "stable", "100%", "yes"] and table[3].split()[:4] == ["v2", "canary", "0%", "yes"]
    assert report["state"]["stable"] == "v1"
    v1 = report["versions"]["v1"]
    # Routed answers judge the version; pinned ones are counted apart; 4xx are the client's, not an error.
    assert v1["ready"] and v1["error_rate"] == 0.0
    assert (v1["requests"] - before["requests"], v1["pinned_requests"] - before["pinned_requests"]) == (4, 6)
    assert v1["p95_ms"] >= v1["p50_ms"] > 0


def test_a_dead_stable_at_weight_zero_is_covered_by_the_other_ready_version(stack, session):
    stack.set_weight(0)
    stack.backend.stop_version("v1")
    try:
        answers = [session.get(f"{stack.url}/", timeout=10) for _ in range(20)]
        assert [response.status_code for response in answers] == [200] * 20
        assert {response.headers["X-Model-Version"] for response in answers} == {"v2"}
    finally:
        stack.backend.start_version("v1")  # returns once v1 is ready again


def test_a_broken_routing_state_is_routed_by_the_last_good_one_and_the_log_says_so(stack, session):
    stack.set_weight(100)  # the last good state: everything unpinned to v2
    state_path = stack.store.state_path
    good = state_path.read_text()
    try:
        for broken in ("", good[: len(good) // 2], "null", json.dumps({**json.loads(good), "stable": "v7"})):
            state_path.write_text(broken)
            answers = [session.get(f"{stack.url}/", timeout=10) for _ in range(10)]
            assert {response.status_code for response in answers} == {200}, broken
            assert {response.headers["X-Model-Version"] for response in answers} == {"v2"}, broken
            pinned = session.get(f"{stack.url}/", headers={"X-Model-Version": "v1"}, timeout=10)
            assert pinned.headers["X-Model-Version"] == "v1"
        state_path.unlink()
        assert session.get(f"{stack.url}/", timeout=10).headers["X-Model-Version"] == "v2"
    finally:
        state_path.write_text(good)
    assert logged_states(stack)[-1] == "last_good"
    assert session.get(f"{stack.url}/", timeout=10).status_code == 200
    assert logged_states(stack)[-1] == "current"


def logged_states(stack, settle_s: float = 0.3) -> list[str]:
    """The routing-state source of each client request's access-log line (mirrored copies have lines of their
    own); nginx writes a line just after answering."""
    time.sleep(settle_s)
    log = [json.loads(line) for line in (stack.backend.run_dir / "gateway" / "access.log").read_text().splitlines()]
    return [entry["state"] for entry in log if entry["route"] != "shadow"]
