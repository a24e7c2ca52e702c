"""The rollout's pure parts: gate verdicts, metric windows, config validation."""
import json

import pytest

from canary.errors import CanaryError
from canary.metrics import VersionFigures
from canary.gates import Gates, WindowSummary, judge
from canary.rollout import DEFAULT_CONFIG, RolloutConfig

GATES = Gates(max_error_rate_increase=0.01, max_p95_ratio=1.5, min_p95_increase_ms=25, max_confidence_drop=0.05)
STABLE = WindowSummary(requests=200, error_rate=0.0, p95_ms=40.0, mean_confidence=0.95)


def canary(**changes) -> WindowSummary:
    return WindowSummary(**{"requests": 100, "error_rate": 0.0, "p95_ms": 42.0, "mean_confidence": 0.94, **changes})


def test_a_canary_like_stable_passes():
    assert judge(canary(), STABLE, GATES, min_requests=50).passed is True


@pytest.mark.parametrize("changes, reason", [
    ({"error_rate": 0.05}, "error rate"),
    ({"p95_ms": 70.0}, "p95 latency"),
    ({"mean_confidence": 0.85}, "mean confidence"),
])
def test_each_gate_fails_on_its_own_figure(changes, reason):
    verdict = judge(canary(**changes), STABLE, GATES, min_requests=50)
    assert verdict.passed is False
    assert len(verdict.reasons) == 1 and verdict.reasons[0].startswith(reason)


def test_a_slower_canary_passes_while_the_absolute_increase_is_small():
    fast_stable = WindowSummary(requests=200, error_rate=0.0, p95_ms=12.0, mean_confidence=0.95)
    assert judge(canary(p95_ms=30.0), fast_stable, GATES, min_requests=50).passed is True  # 2.5x but +18 ms
    assert judge(canary(p95_ms=40.0), fast_stable, GATES, min_requests=50).passed is False  # +28 ms


def test_error_rate_is_judged_relative_to_stable():
    noisy_stable = WindowSummary(requests=200, error_rate=0.04, p95_ms=40.0, mean_confidence=0.95)
    assert judge(canary(error_rate=0.045), noisy_stable, GATES, min_requests=50).passed is True


@pytest.mark.parametrize("canary_requests, stable", [(49, STABLE), (100, None),
                                                     (100, WindowSummary(10, 0.0, 40.0, 0.95))])
def test_no_verdict_on_too_little_data(canary_requests, stable):
    verdict = judge(canary(requests=canary_requests, error_rate=0.5), stable, GATES, min_requests=50)
    assert verdict.passed is None


def test_a_window_is_the_difference_of_two_scrapes_and_a_restart_starts_it_again():
    inf = float("inf")
    earlier = VersionFigures(100, 2, ((0.05, 90.0), (inf, 100.0)), 90.0, 100.0)
    later = VersionFigures(160, 5, ((0.05, 120.0), (inf, 160.0)), 140.0, 160.0)
    window = later.since(earlier)
    assert (window.requests, window.errors, window.latency_buckets) == (60, 3, ((0.05, 30.0), (inf, 60.0)))
    assert window.mean_confidence == pytest.approx(50 / 60)
    restarted = VersionFigures(10, 0, ((0.05, 10.0), (inf, 10.0)), 9.0, 10.0)
    assert restarted.since(earlier) == restarted
    assert VersionFigures.from_json(json.loads(json.dumps(later.to_json()))) == later


def test_the_shipped_config_loads():
    config = RolloutConfig.load(DEFAULT_CONFIG)
    assert config.steps[-1] == 100 and (config.smoke_dir / "expected.json").exists()


@pytest.mark.parametrize("overrides", [{"steps": [10, 5, 100]}, {"steps": [0, 50]}, {"steps": [50, 150]},
                                       {"steps": []}, {"failures_to_rollback": 0}, {"min_requests": 0}])
def test_a_bad_config_is_refused(overrides):
    with pytest.raises(CanaryError):
        RolloutConfig.load(DEFAULT_CONFIG, **overrides)
