"""The progressive rollout as a state machine: `advance` is pure (progress and what was observed in,
the next progress, the actions to apply and how long to wait out), so every rule is tested tick by tick
with a fake clock; the runner (rollout.Runner) only observes, applies and stores.

Rules, in the order they are checked at each tick:
- a routing state the rollout did not set (an operator's rollback, weight or promote) stops it: it never
  undoes an operator;
- a canary whose metrics do not answer is rolled back; a stable whose metrics do not answer pauses it;
- a window starts at the first observation after its weight was applied, so it never straddles a change;
- routed traffic only is judged (metrics), together with the attempts the gateway saw fail (gateway_view);
- a window shorter than the step's time, or with too few requests, gives no verdict (paused when that lasts);
- pass: the next weight, or promote after the last; fail: roll back after `failures_to_rollback` failures.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from .gates import WindowSummary, judge
from .metrics import VersionFigures

if TYPE_CHECKING:
    from .rollout import RolloutConfig

FORMAT = 2  # rollout.json's format: 2 adds "format" and a window that starts after its weight is applied


class Phase(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"
    ABORTED = "aborted"

    @property
    def active(self) -> bool:
        return self in (Phase.RUNNING, Phase.PAUSED)


@dataclass(frozen=True)
class Progress:
    """rollout.json: where the rollout is. The figures at the window's start make the window's deltas."""
    version: str
    stable: str
    status: Phase
    steps: tuple[int, ...]  # the weights of this rollout, from its config
    step: int = 0
    window_started: float | None = None  # None: the step's weight is set, its window not yet begun
    window_start: dict = field(default_factory=dict)  # version -> VersionFigures.to_json()
    failures: int = 0
    stable_reference: dict | None = None  # stable's last window with enough requests (for the 100% step)
    reason: str = ""
    decisions: tuple[dict, ...] = ()
    format: int = FORMAT
    # The routing state the rollout started from: a runner stopped before applying step one finds it unchanged.
    routing_before: tuple[str, str | None, int] | None = None

    @property
    def weight(self) -> int:
        return self.steps[self.step]

    def to_json(self) -> dict:
        return {**asdict(self), "status": str(self.status), "steps": list(self.steps),
                "decisions": list(self.decisions)}

    @classmethod
    def from_json(cls, data: dict) -> Progress:
        data = {**data, "status": Phase(data["status"]), "steps": tuple(data["steps"]),
                "decisions": tuple(data.get("decisions", ())), "format": data.get("format", 1),
                "routing_before": tuple(data["routing_before"]) if data.get("routing_before") else None}
        return cls(**data)


@dataclass(frozen=True)
class Observation:
    """What the runner saw at one tick: the routing state, both versions' figures (or which one did not
    answer, and why), and the time."""
    routing: tuple[str, str | None, int]  # (stable, canary, canary weight)
    figures: dict[str, VersionFigures]
    now: float
    unreachable: str | None = None  # the version whose metrics did not answer
    unreachable_reason: str = ""
    gateway_failures: dict = field(default_factory=dict)  # version -> failed attempts the gateway saw this window


@dataclass(frozen=True)
class SetWeight:
    weight: int


@dataclass(frozen=True)
class Promote:
    pass


@dataclass(frozen=True)
class Rollback:
    pass


Action = SetWeight | Promote | Rollback


@dataclass(frozen=True)
class Tick:
    progress: Progress
    actions: tuple[Action, ...] = ()
    wait: float = 0.0  # seconds until the next tick
    messages: tuple[str, ...] = ()


def start(version: str, stable: str, steps: tuple[int, ...],
          routing_before: tuple[str, str | None, int] | None = None) -> Tick:
    progress = Progress(version=version, stable=stable, status=Phase.RUNNING, steps=steps,
                        routing_before=routing_before)
    return Tick(progress, (SetWeight(steps[0]),), 0.0, (_step_line(progress),))


def advance(progress: Progress, seen: Observation, config: RolloutConfig) -> Tick:
    if progress.status is not Phase.RUNNING:
        return Tick(progress, wait=config.check_seconds)
    expected = (progress.stable, progress.version, progress.weight)
    if seen.routing != expected:
        previous = ((progress.stable, progress.version, progress.steps[progress.step - 1]) if progress.step
                    else progress.routing_before)
        if progress.window_started is None and seen.routing == previous:
            # The runner stopped between deciding this step and applying it: apply it now.
            return Tick(progress, (SetWeight(progress.weight),))
        stable, canary, weight = seen.routing
        return _end(progress, Phase.ABORTED, (), (
            f"the routing state was changed outside the rollout (stable {stable}, canary {canary} at {weight}%; "
            f"the rollout had {progress.version} at {progress.weight}%): it stops and leaves it so"))
    if seen.unreachable == progress.version:
        return _end(progress, Phase.ROLLED_BACK, (Rollback(),), seen.unreachable_reason)
    if seen.unreachable is not None:
        paused = replace(progress, status=Phase.PAUSED,
                         reason=f"{seen.unreachable_reason}; `rollout resume` tries again")
        return Tick(paused, wait=config.check_seconds, messages=(f"rollout paused: {paused.reason}",))
    if progress.window_started is None:
        return Tick(_new_window(progress, seen), wait=min(config.check_seconds, config.step_seconds))
    remaining = progress.window_started + config.step_seconds - seen.now
    if remaining > 0:
        return Tick(progress, wait=min(config.check_seconds, remaining))
    return _judge(progress, seen, config)


def _judge(progress: Progress, seen: Observation, config: RolloutConfig) -> Tick:
    windows = {version: WindowSummary.of(seen.figures[version].since(VersionFigures.from_json(start)),
                                         seen.gateway_failures.get(version, 0))
               for version, start in progress.window_start.items()}
    canary, stable = windows[progress.version], windows[progress.stable]
    reference_json = asdict(stable) if stable.requests >= config.min_requests else progress.stable_reference
    reference = WindowSummary(**reference_json) if reference_json else None
    verdict = judge(canary, reference, config.gates, config.min_requests)
    outcome = {None: "no verdict", True: "pass", False: "FAIL"}[verdict.passed]
    line = (f"step {progress.step + 1}/{len(progress.steps)} ({progress.weight}%): {outcome} | {progress.version}: "
            f"{canary.describe()} | {progress.stable}: {(reference or stable).describe()}"
            + "".join(f" | {reason}" for reason in verdict.reasons))
    decision = {"time": seen.now, "step": progress.step, "weight": progress.weight, "outcome": outcome,
                "canary": asdict(canary), "stable": asdict(reference or stable), "reasons": list(verdict.reasons)}
    progress = replace(progress, stable_reference=reference_json, decisions=(*progress.decisions, decision))
    if verdict.passed is None:  # the window grows until it holds enough requests, within reason
        waited = seen.now - progress.window_started - config.step_seconds
        if waited > config.inconclusive_seconds:
            reason = (f"no verdict after {waited:.0f} s more than the step's time: too little traffic "
                      f"({'; '.join(verdict.reasons)}); `rollout resume` waits again, `abort` rolls back")
            progress = replace(progress, status=Phase.PAUSED, reason=reason)
            return Tick(progress, wait=config.check_seconds, messages=(line, f"rollout paused: {reason}"))
        return Tick(progress, wait=config.check_seconds, messages=(line,))
    if verdict.passed:
        if progress.step + 1 == len(progress.steps):
            return _end(replace(progress, failures=0), Phase.PROMOTED, (Promote(),),
                        f"{progress.version} passed every step", line)
        progress = replace(progress, step=progress.step + 1, failures=0, window_started=None, window_start={})
        return Tick(progress, (SetWeight(progress.weight),), 0.0, (line, _step_line(progress)))
    progress = replace(progress, failures=progress.failures + 1)
    if progress.failures >= config.failures_to_rollback:
        return _end(progress, Phase.ROLLED_BACK, (Rollback(),), "; ".join(verdict.reasons), line)
    return Tick(_new_window(progress, seen), wait=config.check_seconds, messages=(line,))


def _new_window(progress: Progress, seen: Observation) -> Progress:
    return replace(progress, window_started=seen.now,
                   window_start={version: seen.figures[version].to_json() for version in (progress.version,
                                                                                          progress.stable)})


def _end(progress: Progress, phase: Phase, actions: tuple, reason: str, *lines: str) -> Tick:
    ended = replace(progress, status=phase, reason=reason)
    return Tick(ended, actions, 0.0, (*lines, f"rollout {phase.value}: {reason}"))


def _step_line(progress: Progress) -> str:
    return f"step {progress.step + 1}/{len(progress.steps)}: {progress.version} at {progress.weight}%"
