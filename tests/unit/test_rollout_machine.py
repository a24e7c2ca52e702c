"""The rollout state machine, tick by tick: a fake clock, scripted routing states and figures."""
from dataclasses import replace

from canary.metrics import VersionFigures
from canary.rollout import DEFAULT_CONFIG, RolloutConfig
from canary.rollout_machine import (Observation, Phase, Progress, Promote, Rollback, SetWeight, advance,
                                    start)

CONFIG = RolloutConfig.load(DEFAULT_CONFIG, steps=[10, 50, 100], step_seconds=60, check_seconds=5,
                            min_requests=50, inconclusive_seconds=120, failures_to_rollback=1)
INF = float("inf")


class Traffic:
    """Cumulative figures per version, as the services' /metrics would give them."""

    def __init__(self):
        self.totals = {"v1": VersionFigures(0, 0, ((0.05, 0), (INF, 0)), 0, 0),
                       "v2": VersionFigures(0, 0, ((0.05, 0), (INF, 0)), 0, 0)}

    def serve(self, version, requests, errors=0, slow=0, confidence=0.95, pinned=0, client_errors=0):
        """``slow`` of the requests over 50 ms; ``pinned`` and ``client_errors`` come on top (a client's)."""
        old = self.totals[version]
        fast = dict(old.latency_buckets)[0.05] + requests - slow
        self.totals[version] = VersionFigures(old.requests + requests, old.errors + errors,
                                              ((0.05, fast), (INF, old.requests + requests)),
                                              old.confidence_sum + confidence * requests,
                                              old.confidence_count + requests, old.pinned_requests + pinned,
                                              old.client_errors + client_errors)


def seen(traffic, now, routing=("v1", "v2", 10), unreachable=None):
    figures = {v: f for v, f in traffic.totals.items() if v != unreachable}
    return Observation(routing, figures, now, unreachable, f"{unreachable} did not answer" if unreachable else "")


def running(weight_step=0, traffic=None, now=0.0):
    """A rollout at the given step whose window began at ``now``."""
    progress = replace(start("v2", "v1", CONFIG.steps).progress, step=weight_step)
    tick = advance(progress, seen(traffic or Traffic(), now, ("v1", "v2", CONFIG.steps[weight_step])), CONFIG)
    return tick.progress


def served(stable_requests=200, canary_requests=100, stable=None, **canary):
    """A rollout at step one whose first window has seen this traffic."""
    traffic = Traffic()
    progress = running(traffic=traffic)
    traffic.serve("v1", stable_requests, **(stable or {}))
    traffic.serve("v2", canary_requests, **canary)
    return traffic, progress


def test_start_sets_the_first_weight_and_the_window_begins_only_at_the_next_observation():
    tick = start("v2", "v1", CONFIG.steps)
    assert tick.actions == (SetWeight(10),) and tick.progress.window_started is None
    traffic = Traffic()
    traffic.serve("v2", 500, errors=400)  # before the weight was applied: never judged
    tick = advance(tick.progress, seen(traffic, 1000.0), CONFIG)
    assert tick.actions == () and tick.progress.window_started == 1000.0
    assert tick.progress.window_start["v2"]["errors"] == 400


def test_a_healthy_canary_walks_every_step_and_is_promoted():
    traffic, now = Traffic(), 0.0
    progress = running(traffic=traffic)
    actions = []
    for weight in CONFIG.steps:
        assert progress.weight == weight
        tick = advance(progress, seen(traffic, now + 30, ("v1", "v2", weight)), CONFIG)
        assert tick.actions == () and tick.wait == 5  # the window is not over
        traffic.serve("v1", 200)
        traffic.serve("v2", 100)
        now += 61
        tick = advance(tick.progress, seen(traffic, now, ("v1", "v2", weight)), CONFIG)
        actions += tick.actions
        progress = tick.progress
        if weight != 100:  # the next window starts after the weight is applied
            progress = advance(progress, seen(traffic, now, ("v1", "v2", progress.weight)), CONFIG).progress
    assert actions == [SetWeight(50), SetWeight(100), Promote()]
    assert progress.status is Phase.PROMOTED and [d["outcome"] for d in progress.decisions] == ["pass"] * 3


def test_an_operators_rollback_mid_window_stops_the_rollout_and_is_never_undone():
    traffic, progress = served()
    tick = advance(progress, seen(traffic, 61, routing=("v1", "v2", 0)), CONFIG)
    assert tick.progress.status is Phase.ABORTED and tick.actions == ()
    assert "changed outside the rollout" in tick.progress.reason
    assert advance(tick.progress, seen(traffic, 70, routing=("v1", "v2", 0)), CONFIG).actions == ()


def test_an_operators_promote_or_weight_move_stops_it_too():
    for routing in (("v2", None, 0), ("v1", "v2", 30)):
        tick = advance(running(), seen(Traffic(), 10, routing=routing), CONFIG)
        assert tick.progress.status is Phase.ABORTED and tick.actions == ()


def test_an_unreachable_canary_is_rolled_back_and_an_unreachable_stable_pauses():
    tick = advance(running(), seen(Traffic(), 10, unreachable="v2"), CONFIG)
    assert tick.progress.status is Phase.ROLLED_BACK and tick.actions == (Rollback(),)
    assert "v2 did not answer" in tick.progress.reason
    tick = advance(running(), seen(Traffic(), 10, unreachable="v1"), CONFIG)
    assert tick.progress.status is Phase.PAUSED and tick.actions == ()


def test_a_failing_gate_rolls_back_with_its_reason():
    traffic, progress = served(errors=10)
    tick = advance(progress, seen(traffic, 61), CONFIG)
    assert tick.progress.status is Phase.ROLLED_BACK and tick.actions == (Rollback(),)
    assert tick.progress.reason.startswith("error rate 10.0%")


def test_pinned_traffic_and_client_errors_do_not_decide():
    # Stable's pinned traffic cannot cover for the canary, nor can the canary's pinned or spoilt requests.
    traffic, progress = served(200, 10, stable={"pinned": 5000}, pinned=5000, client_errors=5000)
    tick = advance(progress, seen(traffic, 61), CONFIG)
    assert tick.actions == () and tick.progress.decisions[-1]["outcome"] == "no verdict"
    assert tick.progress.decisions[-1]["canary"]["requests"] == 10


def test_too_little_traffic_pauses_after_the_inconclusive_time():
    traffic, progress = served(10, 5)
    tick = advance(progress, seen(traffic, 100), CONFIG)
    assert tick.progress.status is Phase.RUNNING and tick.wait == 5
    tick = advance(tick.progress, seen(traffic, 60 + 121), CONFIG)
    assert tick.progress.status is Phase.PAUSED and "too little traffic" in tick.progress.reason


def test_a_runner_stopped_between_deciding_a_step_and_applying_it_applies_it_on_resume():
    traffic, progress = served()
    decided = advance(progress, seen(traffic, 61), CONFIG)
    assert decided.actions == (SetWeight(50),)
    # The runner died before applying: the routing state still has step one's weight.
    again = advance(decided.progress, seen(traffic, 90, routing=("v1", "v2", 10)), CONFIG)
    assert again.actions == (SetWeight(50),) and again.progress.status is Phase.RUNNING


def test_a_runner_stopped_before_applying_step_one_applies_it_on_resume():
    for before in (("v1", None, 0), ("v1", "v2", 0)):
        stored = Progress.from_json(start("v2", "v1", CONFIG.steps, before).progress.to_json())
        # Killed after storing the progress, before setting the weight: the routing is still as it was.
        again = advance(stored, seen(Traffic(), 5, routing=before), CONFIG)
        assert again.actions == (SetWeight(10),) and again.progress.status is Phase.RUNNING
    # Anything else found instead of step one's weight is an operator's: the rollout stops and leaves it.
    moved = advance(start("v2", "v1", CONFIG.steps, ("v1", "v2", 0)).progress, seen(Traffic(), 5, ("v1", "v2", 30)),
                    CONFIG)
    assert moved.progress.status is Phase.ABORTED and moved.actions == ()


def test_a_paused_rollout_does_nothing_and_the_progress_survives_json():
    paused = replace(running(), status=Phase.PAUSED)
    assert advance(paused, seen(Traffic(), 10, routing=("v1", None, 0)), CONFIG).actions == ()
    assert Progress.from_json(paused.to_json()) == paused


def test_attempts_that_failed_at_the_gateway_count_as_the_canarys_errors():
    traffic, progress = served()  # what reached v2 was fine; 20 more were refused before reaching it
    observation = replace(seen(traffic, 61), gateway_failures={"v2": 20})
    tick = advance(progress, observation, CONFIG)
    assert tick.progress.status is Phase.ROLLED_BACK and tick.progress.reason.startswith("error rate 16.7%")
