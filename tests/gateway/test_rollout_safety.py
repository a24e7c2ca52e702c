"""Rollback speed, zero failed requests while weights move, failover, and refused unsafe moves."""
import json
import os
import signal
import time

import requests

from canary.backends.local import child_pids, pid_alive
from tests.stack import LINE_IMAGE as IMAGE, LoopingClient


def test_rollback_takes_under_a_second_and_the_next_request_goes_to_stable(stack, session):
    assert stack.cli("canary", "50").returncode == 0
    started = time.perf_counter()
    completed = stack.cli("rollback")
    elapsed = time.perf_counter() - started
    assert completed.returncode == 0, completed.stderr
    assert elapsed < 1.0, elapsed  # the whole command, interpreter start included
    assert set(stack.answered_by(session, 50)) == {"v1"}
    assert stack.store.read().canary_weight == 0


def test_no_request_fails_while_the_weight_changes_200_times_and_rolls_back_20_times(stack):
    client = LoopingClient(stack.url)
    client.start()
    for change in range(200):
        stack.set_weight((change * 37) % 101)
        if change % 10 == 9:
            assert stack.cli("rollback").returncode == 0
        time.sleep(0.01)
    client.finish()
    assert client.failures == []
    assert len(client.answers) > 100 and {"v1", "v2"} <= set(client.answers)


def test_killing_the_canary_loses_no_unpinned_request_and_pinned_ones_get_503(stack):
    stack.set_weight(50)
    client = LoopingClient(stack.url)
    client.start()
    time.sleep(1)
    pid = pid_alive(stack.backend.run_dir / "ocr-v2.pid")
    for victim in child_pids(pid) | {pid}:  # master and workers at once, as a crash would
        os.kill(victim, signal.SIGKILL)
    time.sleep(2)
    pinned = requests.post(f"{stack.url}/ocr", data=IMAGE, headers={"Content-Type": "image/png",
                                                                    "X-Model-Version": "v2"}, timeout=10)
    client.finish()
    assert client.failures == []
    assert pinned.status_code == 503 and pinned.json()["code"] == "version_down"
    log = [json.loads(line) for line in (stack.backend.run_dir / "gateway" / "access.log").read_text().splitlines()]
    assert any(entry["route"] == "failover" for entry in log)
    stack.backend.start_version("v2")  # back for the other tests
    assert stack.backend.health("v2").ready


def test_unsafe_moves_are_refused_with_a_reason(stack):
    bad_weight = stack.cli("canary", "150")
    assert bad_weight.returncode != 0 and "0 to 100" in bad_weight.stderr
    retire_stable = stack.cli("retire", "v1")
    assert retire_stable.returncode == 3 and "stable" in retire_stable.stderr
    unknown = stack.cli("canary", "10", "--version", "v9")
    assert unknown.returncode == 3 and "unknown version 'v9'" in unknown.stderr
    stack.backend.stop_version("v2")
    try:
        refused = stack.cli("canary", "20")
        assert refused.returncode == 3 and "not ready" in refused.stderr
        assert stack.store.read().canary_weight == 0
    finally:
        stack.backend.start_version("v2")


def test_promote_then_rollback_restores_the_previous_stable(stack, session):
    stack.set_weight(40)
    assert stack.cli("promote").returncode == 0
    assert set(stack.answered_by(session, 30)) == {"v2"}
    assert stack.cli("rollback").returncode == 0
    assert set(stack.answered_by(session, 30)) == {"v1"}
    actions = [json.loads(line)["action"] for line in stack.cli("history").stdout.splitlines()]
    assert actions[-2:] == ["promote", "rollback"] and actions[0] == "init"
