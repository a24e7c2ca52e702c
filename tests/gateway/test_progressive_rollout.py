"""Progressive rollout on the real stack: a healthy canary reaches 100% by itself, a faulty one is rolled
back at the first gate, prechecks refuse, and a rollout survives its runner being killed."""
import contextlib
import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from canary import commands
from canary.rollout import DEFAULT_CONFIG, RolloutConfig, RolloutStore, Runner, set_status
from canary.errors import UnsafeMove
from canary.state import RoutingState
from tests.helpers import ROOT, new_version_folder, open_to_workers, wait_for
from tests.stack import LoopingClient

FAST = {"steps": [20, 60, 100], "step_seconds": 2, "check_seconds": 0.2, "min_requests": 80, "inconclusive_seconds": 60,
        "failures_to_rollback": 1}


def fast_config(**overrides) -> RolloutConfig:
    return RolloutConfig.load(**{**FAST, **overrides})


class RunnerThread(threading.Thread):
    def __init__(self, stack, config, version):
        super().__init__(daemon=True)
        self.lines, self.error, self.result = [], None, None
        self.runner = Runner(stack.backend, stack.store, config, out=self.lines.append)
        self.version = version

    def run(self):
        try:
            self.result = self.runner.start(self.version)
        except Exception as error:  # surfaced by the test
            self.error = error


def test_a_healthy_canary_walks_every_step_and_is_promoted(stack):
    clients = [LoopingClient(stack.url) for _ in range(2)]
    for client in clients:
        client.start()
    runner = RunnerThread(stack, fast_config(), "v2")
    runner.start()
    runner.join(timeout=120)
    for client in clients:
        client.finish()
    assert runner.error is None, runner.error
    assert runner.result.status == "promoted", runner.lines
    state = stack.store.read()
    assert (state.stable, state.canary, state.canary_weight) == ("v2", "v1", 0)
    passed_steps = [d["weight"] for d in runner.result.decisions if d["outcome"] == "pass"]
    assert passed_steps == [20, 60, 100]
    assert [f for client in clients for f in client.failures] == []
    weights = [entry["after"]["canary_weight"] for entry in stack.store.history() if entry["action"] == "canary"]
    assert weights[-3:] == [20, 60, 100]
    assert any("pass" in line and "p95" in line for line in runner.lines)  # the figures behind each decision


@pytest.mark.parametrize("version, faults, reason", [("v3", {"error_rate": 0.5}, "error rate"),
                                                     ("v4", {"latency_ms": 150}, "p95 latency")])
def test_a_canary_that_turns_faulty_is_rolled_back_at_the_first_gate(stack, services_dir, tmp_path, version, faults,
                                                                      reason):
    fault_file = open_to_workers(tmp_path) / "faults.json"
    new_version_folder(services_dir, version)
    stack.backend.version_env[version] = {"OCR_FAULT_FILE": str(fault_file)}
    commands.deploy(stack.backend, stack.store, version)
    clients = [LoopingClient(stack.url) for _ in range(2)]
    try:
        for client in clients:
            client.start()
        runner = RunnerThread(stack, fast_config(), version)
        runner.start()
        rollouts = RolloutStore(stack.store)
        wait_for(lambda: (p := rollouts.read()) is not None and p.version == version and p.status == "running",
                 what="the rollout to start")
        fault_file.write_text(json.dumps(faults))  # after the prechecks: the model "breaks"
        runner.join(timeout=60)
        time.sleep(0.5)
        for client in clients:
            client.finish()
        assert runner.error is None, runner.error
        assert runner.result.status == "rolled_back", runner.lines
        assert runner.result.reason.startswith(reason)
        assert [d["outcome"] for d in runner.result.decisions if d["outcome"] != "no verdict"] == ["FAIL"]
        state = stack.store.read()
        assert (state.stable, state.canary_weight) == ("v1", 0)
        failures = [f for client in clients for f in client.failures]
        assert all(status == 500 and "injected_fault" in body for status, body in failures)  # none but the injected
        assert bool(failures) == ("error_rate" in faults)
        after = LoopingClient(stack.url, max_requests=40)
        after.start()
        after.join(timeout=30)
        assert after.failures == [] and set(after.answers) == {"v1"}
    finally:
        for client in clients:
            client.finish()
        with stack.store.locked():
            state = stack.store.read()
            stack.store.write(RoutingState(stable="v1", canary="v2", canary_weight=0, deployed=state.deployed),
                              "test-reset")
        commands.retire(stack.backend, stack.store, version)


def test_no_traffic_is_inconclusive_the_rollout_pauses_and_says_why_then_abort_rolls_back(stack):
    runner = RunnerThread(stack, fast_config(step_seconds=0.5, inconclusive_seconds=1), "v2")
    runner.start()  # no client sends anything
    rollouts = RolloutStore(stack.store)
    wait_for(lambda: (p := rollouts.read()) is not None and p.version == "v2" and p.status == "paused",
             what="the rollout to pause")
    progress = rollouts.read()
    assert "too little traffic" in progress.reason and progress.step == 0
    assert {d["outcome"] for d in progress.decisions} == {"no verdict"}  # never a pass on no data
    assert stack.store.read().canary_weight == 20
    set_status(stack.store, stack.backend, "abort")
    runner.join(timeout=30)
    assert runner.result.status == "aborted" and stack.store.read().canary_weight == 0


def test_prechecks_refuse_a_canary_that_misreads_the_smoke_set(stack, tmp_path):
    # A smoke set the canary cannot pass: the image says USD, the expected text says EUR.
    smoke = tmp_path / "smoke"
    smoke.mkdir()
    (smoke / "line_07.png").write_bytes((ROOT / "deploy" / "smoke" / "line_07.png").read_bytes())
    (smoke / "expected.json").write_text(json.dumps({"line_07.png": "Total 99.95 EUR"}))
    config = fast_config(prechecks={"smoke_dir": str(smoke), "max_accuracy_drop": 0.02})
    lines = []
    with pytest.raises(UnsafeMove, match="misreads 1 smoke line"):
        Runner(stack.backend, stack.store, config, out=lines.append).start("v2")
    assert stack.store.read().canary_weight == 0  # refused before any traffic moved
    assert lines == ["precheck: v2 is ready"]


def test_a_rollout_survives_its_runner_being_killed_and_abort_rolls_back(stack, tmp_path):
    config_path = tmp_path / "rollout.json"
    config_path.write_text(json.dumps({**json.loads(DEFAULT_CONFIG.read_text()), **FAST, "step_seconds": 60}))

    def cli(*arguments):
        return subprocess.Popen([sys.executable, "-m", "canary", "rollout", *arguments], env=stack.env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    rollouts = RolloutStore(stack.store)
    first = cli("start", "--version", "v2", "--config", str(config_path))
    wait_for(lambda: (p := rollouts.read()) is not None and p.version == "v2" and p.status == "running",
             what="the rollout to start")
    first.send_signal(signal.SIGKILL)  # perhaps between storing step one and applying its weight
    first.communicate(timeout=10)
    assert stack.store.read().canary_weight in (0, 20)  # a step applied stays in force without its runner

    second = cli("start", "--config", str(config_path))
    try:
        wait_for(lambda: stack.store.read().canary_weight == 20, what="the resumed runner to hold step one")
        time.sleep(1.0)
        assert second.poll() is None  # resumed, waiting out the 60 s step
        paused = subprocess.run([sys.executable, "-m", "canary", "rollout", "pause"], env=stack.env, cwd=ROOT,
                                capture_output=True, text=True, timeout=30)
        assert paused.returncode == 0 and rollouts.read().status == "paused"
        aborted = subprocess.run([sys.executable, "-m", "canary", "rollout", "abort"], env=stack.env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=30)
        assert aborted.returncode == 0, aborted.stderr
        output, errors = second.communicate(timeout=30)
        assert second.returncode == 4, errors  # ended without promoting
        assert "resuming the rollout of v2" in output and "rollout aborted" in output
    finally:  # a failed wait leaves no runner behind (its pipes, collected later, would fail another test)
        if second.poll() is None:
            second.kill()
        second.wait()
        second.stdout.close()
        second.stderr.close()
    assert stack.store.read().canary_weight == 0 and rollouts.read().status == "aborted"


@contextlib.contextmanager
def rollout_at_step_two(stack):
    """A rollout of v2 under client load, held at its second step (60%) when the block starts."""
    clients = [LoopingClient(stack.url) for _ in range(2)]
    for client in clients:
        client.start()
    runner = RunnerThread(stack, fast_config(step_seconds=3), "v2")
    runner.start()
    try:
        wait_for(lambda: stack.store.read().canary_weight == 60, what="step 2")
        yield runner
    finally:
        for client in clients:
            client.finish()


def test_an_operators_rollback_during_a_rollout_stops_it_and_is_never_undone(stack):
    with rollout_at_step_two(stack) as runner:
        assert stack.cli("rollback").returncode == 0
        runner.join(timeout=60)
        time.sleep(1)  # long enough for a runner that had not stopped to move the weight again
    assert runner.error is None, runner.error
    assert runner.result.status == "aborted" and "changed outside the rollout" in runner.result.reason
    state = stack.store.read()
    assert (state.stable, state.canary_weight) == ("v1", 0)  # the operator's rollback stands


def test_a_canary_that_dies_mid_rollout_is_rolled_back_without_the_runner_crashing(stack):
    try:
        with rollout_at_step_two(stack) as runner:
            stack.backend.stop_version("v2")
            runner.join(timeout=60)
    finally:
        stack.backend.start_version("v2")
    assert runner.error is None, runner.error
    assert runner.result.status == "rolled_back" and "v2 did not answer" in runner.result.reason
    assert stack.store.read().canary_weight == 0
    assert RolloutStore(stack.store).read().status == "rolled_back"  # not left "running" on a dead canary
