"""Routing state validation, atomic writes, history and the metrics figures (no processes)."""
import json
from dataclasses import replace

import pytest

from canary.errors import UnsafeMove
from canary.metrics import histogram_quantile, parse
from canary.state import RoutingState, StateStore

GOOD = RoutingState(stable="v1", canary="v2", canary_weight=30, deployed=("v1", "v2"))


@pytest.mark.parametrize("change,message", [
    ({"canary_weight": 101}, "0 to 100"),
    ({"canary_weight": -1}, "0 to 100"),
    ({"canary_weight": 2.5}, "0 to 100"),
    ({"canary_weight": True}, "0 to 100"),
    ({"canary": "v9"}, "unknown version 'v9'; deployed: v1, v2"),
    ({"canary": "v1"}, "both v1"),
    ({"stable": "v3"}, "not deployed"),
    ({"canary": None}, "without a canary"),
    ({"deployed": ("v1", "v2", "../etc")}, "invalid version name"),
])
def test_unsafe_states_are_refused(change, message):
    with pytest.raises(UnsafeMove, match=message):
        replace(GOOD, **change).validate()


def test_writes_are_atomic_numbered_and_recorded(tmp_path):
    store = StateStore(tmp_path, actor="tester")
    with store.locked():
        store.write(GOOD, "init")
        store.write(RoutingState(stable="v1", canary="v2", canary_weight=0, deployed=("v1", "v2")), "rollback")
    assert store.read().canary_weight == 0 and store.read().generation == 2
    assert json.loads(store.state_path.read_text())["format"] == 1
    history = store.history()
    assert [entry["action"] for entry in history] == ["init", "rollback"]
    assert history[1]["before"]["canary_weight"] == 30 and history[1]["actor"] == "tester"
    assert not list(tmp_path.glob(".routing-*"))  # no temp file left behind


def test_a_refused_write_leaves_the_state_untouched(tmp_path):
    store = StateStore(tmp_path)
    with store.locked():
        store.write(GOOD, "init")
        with pytest.raises(UnsafeMove):
            store.write(RoutingState(stable="v1", canary="v2", canary_weight=500, deployed=("v1", "v2")), "canary")
    assert store.read().canary_weight == 30 and len(store.history()) == 1


def test_histogram_quantiles_interpolate_inside_buckets():
    buckets = ((0.01, 50.0), (0.02, 90.0), (0.05, 100.0), (float("inf"), 100.0))
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.01)
    assert histogram_quantile(0.95, buckets) == pytest.approx(0.035)
    assert histogram_quantile(0.5, ((0.01, 0.0), (float("inf"), 0.0))) is None


def test_metrics_page_figures():
    page = "\n".join([
        '# TYPE ocr_requests_total counter',
        'ocr_requests_total{endpoint="ocr",route="routed",status="200",version="v2"} 90.0',
        'ocr_requests_total{endpoint="ocr",route="routed",status="503",version="v2"} 10.0',
        'ocr_requests_total{endpoint="ocr",route="routed",status="400",version="v2"} 40.0',
        'ocr_requests_total{endpoint="ocr",route="pinned",status="500",version="v2"} 30.0',
        'ocr_requests_total{endpoint="ocr",route="direct",status="200",version="v2"} 5.0',
        '# TYPE ocr_line_confidence histogram',
        'ocr_line_confidence_sum{route="routed",version="v2"} 72.0',
        'ocr_line_confidence_count{route="routed",version="v2"} 90.0',
        'ocr_line_confidence_sum{route="pinned",version="v2"} 0.0',
        'ocr_line_confidence_count{route="pinned",version="v2"} 30.0',
    ])
    figures = parse(page)
    assert figures.requests == 100 and figures.error_rate == pytest.approx(0.1)
    assert (figures.pinned_requests, figures.client_errors) == (30, 40)
    assert figures.mean_confidence == pytest.approx(0.8) and figures.latency_quantile(0.5) is None


def test_a_change_whose_history_line_cannot_be_written_does_not_happen(tmp_path):
    from canary.errors import CanaryError

    store = StateStore(tmp_path)
    with store.locked():
        store.write(GOOD, "up")
    store.history_path.unlink()
    store.history_path.mkdir()  # appending now fails, as on a full or read-only disk
    with store.locked(), pytest.raises(CanaryError, match="routing state is unchanged"):
        store.write(replace(GOOD, canary_weight=0), "rollback")
    assert store.read().canary_weight == 30 and list(tmp_path.glob(".routing-*.json")) == []


def test_temp_files_of_a_killed_writer_are_removed_by_the_next_one(tmp_path):
    store = StateStore(tmp_path)
    (tmp_path / ".routing-abc123.json").write_text("{half a docu")
    with store.locked():
        store.write(GOOD, "up")
    assert list(tmp_path.glob(".routing-*.json")) == [] and store.read() == replace(GOOD, generation=1)


def test_a_stuck_lock_holder_makes_writers_fail_quickly_with_its_name(tmp_path):
    import subprocess
    import sys
    import time

    from canary.errors import CanaryError

    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; lock = open(sys.argv[1], 'a+'); fcntl.flock(lock, fcntl.LOCK_EX); "
        "lock.write('pid 4242 (stuck-operator)'); lock.flush(); print('held', flush=True); time.sleep(30)"),
        str(tmp_path / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(CanaryError, match=r"locked by pid 4242 \(stuck-operator\)"):
            with StateStore(tmp_path).locked(timeout_s=0.5):
                pass
        assert time.monotonic() - started < 3
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()

