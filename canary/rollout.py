"""Progressive rollout: walk the canary through the configured weights, judge it against stable at
every step from the services' /metrics, promote at the end, roll back at the first failed gate. The rules
live in rollout_machine (pure); this module holds the config, the prechecks and the runner that applies them.

The rollout's progress lives in the state folder (rollout.json), not in the process: `rollout start`
run again after a crash resumes where it was; `pause`, `resume` and `abort` come from other processes.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import requests

from . import commands, rollout_machine
from .backends.base import Backend
from .compare import compare
from .errors import CanaryError, UnsafeMove
from .gates import Gates
from .gateway_view import gateway_view
from .rollout_machine import Observation, Phase, Progress, Promote, Rollback, SetWeight, Tick
from .state import StateStore, write_json_atomically

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "deploy" / "rollout.json"


@dataclass(frozen=True)
class RolloutConfig:
    steps: tuple[int, ...]
    step_seconds: float
    check_seconds: float
    min_requests: int  # per version and window: fewer gives no verdict
    inconclusive_seconds: float  # no verdict this long past the step's time: pause and say why
    failures_to_rollback: int
    gates: Gates
    smoke_dir: Path
    max_accuracy_drop: float  # manifest line accuracy, canary vs stable
    min_shadow_agreement: float | None = None  # when set: shadowed answers must agree with stable's this often

    @classmethod
    def load(cls, path: Path = DEFAULT_CONFIG, **overrides) -> RolloutConfig:
        data = {**json.loads(Path(path).read_text(encoding="utf-8")), **overrides}
        try:
            config = cls(steps=tuple(data["steps"]), step_seconds=float(data["step_seconds"]),
                         check_seconds=float(data["check_seconds"]), min_requests=int(data["min_requests"]),
                         inconclusive_seconds=float(data["inconclusive_seconds"]),
                         failures_to_rollback=int(data["failures_to_rollback"]), gates=Gates(**data["gates"]),
                         smoke_dir=ROOT / data["prechecks"]["smoke_dir"],
                         max_accuracy_drop=float(data["prechecks"]["max_accuracy_drop"]),
                         min_shadow_agreement=data["prechecks"].get("min_shadow_agreement"))
        except (KeyError, TypeError, ValueError) as error:
            raise CanaryError(f"rollout config {path}: {error}") from error
        if not config.steps or list(config.steps) != sorted(set(config.steps)) or \
                not all(1 <= step <= 100 for step in config.steps):
            raise CanaryError(f"rollout config {path}: steps must rise strictly within 1..100")
        if config.failures_to_rollback < 1 or config.min_requests < 1:
            raise CanaryError(f"rollout config {path}: failures_to_rollback and min_requests must be >= 1")
        return config


class RolloutStore:
    """rollout.json beside routing.json, and the locks: one runner at a time, one change at a time."""

    def __init__(self, store: StateStore) -> None:
        self.path = store.directory / "rollout.json"
        self.directory = store.directory

    def read(self) -> Progress | None:
        if not self.path.exists():
            return None
        return Progress.from_json(json.loads(self.path.read_text(encoding="utf-8")))

    def write(self, progress: Progress) -> None:
        write_json_atomically(self.path, progress.to_json())

    @contextlib.contextmanager
    def changing(self):
        """Serialises the runner's step actions with pause/resume/abort from other processes."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".rollout.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    @contextlib.contextmanager
    def runner(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".rollout-runner.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CanaryError("a rollout runner is already running (rollout status shows it)") from None
            yield


def smoke_failures(backend: Backend, version: str, smoke_dir: Path) -> list[str]:
    """The smoke lines and pages the version does not read exactly (compared as the evaluations compare:
    a page row by row, runs of spaces folded)."""
    from ocr.charset import normalize_for_scoring

    def comparable(text: str) -> list[str]:
        return [" ".join(normalize_for_scoring(row).split()) for row in text.split("\n")]

    expected = json.loads((smoke_dir / "expected.json").read_text(encoding="utf-8"))
    failures = []
    with requests.Session() as session:
        for name, text in sorted(expected.items()):
            response = session.post(f"{backend.service_url(version)}/ocr", data=(smoke_dir / name).read_bytes(),
                                    headers={"Content-Type": "image/png"}, timeout=10)
            got = response.json().get("text") if response.status_code == 200 else f"HTTP {response.status_code}"
            if got is None or comparable(got) != comparable(text):
                failures.append(f"{name}: expected {text!r}, got {got!r}")
    return failures


def manifest_accuracies(backend: Backend, versions: tuple[str, str]) -> tuple[str, list[float]] | None:
    """Both versions' evaluated line accuracy on one set: the blind UI set (the figure that counts) when both
    manifests have it, else the first evaluation set. None when they share none."""
    metrics = [requests.get(f"{backend.service_url(v)}/version", timeout=5).json().get("metrics", {}) for v in versions]
    for evaluation in ("ui", "evaluation"):
        found = [entry.get(evaluation, {}).get("overall", {}).get("line_accuracy") for entry in metrics]
        if None not in found:
            return evaluation, found
    return None


def prechecks(backend: Backend, store: StateStore, version: str, config: RolloutConfig, out) -> str:
    """Refuse a rollout that cannot be safe; returns the stable version it is judged against."""
    state = store.read()
    if version not in state.deployed:
        raise UnsafeMove(f"{version} is not deployed (make deploy VERSION={version})")
    if version == state.stable:
        raise UnsafeMove(f"{version} is already the stable version")
    commands.require_ready(backend, version, force=False)
    out(f"precheck: {version} is ready")
    failures = smoke_failures(backend, version, config.smoke_dir)
    if failures:
        raise UnsafeMove(f"{version} misreads {len(failures)} smoke line(s): " + "; ".join(failures))
    out(f"precheck: {version} reads the smoke set ({config.smoke_dir.name}/) exactly")
    shared = manifest_accuracies(backend, (version, state.stable))
    if shared is None:
        raise UnsafeMove("the manifests share no evaluation figures (make eval VERSION=vN --write-manifest writes them)")
    evaluation, (canary_accuracy, stable_accuracy) = shared
    if canary_accuracy < stable_accuracy - config.max_accuracy_drop:
        raise UnsafeMove(f"{version}'s evaluated line accuracy {canary_accuracy:.1%} is below {state.stable}'s "
                         f"{stable_accuracy:.1%} by more than {config.max_accuracy_drop:.1%}")
    out(f"precheck: evaluated line accuracy ({evaluation} set) {canary_accuracy:.1%} vs {state.stable} "
        f"{stable_accuracy:.1%}")
    if config.min_shadow_agreement is not None:
        figures = compare(backend, state.stable, version)
        if figures["pairs"] < config.min_requests:
            raise UnsafeMove(f"{figures['pairs']} shadowed requests; the agreement gate needs {config.min_requests} "
                             f"(make shadow VERSION={version} first)")
        if figures["agreement_rate"] < config.min_shadow_agreement:
            raise UnsafeMove(f"{version} agrees with {state.stable} on {figures['agreement_rate']:.1%} of shadowed "
                             f"requests (< {config.min_shadow_agreement:.1%})")
        out(f"precheck: shadow agreement {figures['agreement_rate']:.1%} over {figures['pairs']} requests")
    return state.stable


class Runner:
    """Drives one rollout until it is promoted, rolled back or aborted: observes, lets
    rollout_machine.advance decide, applies its actions, stores the progress. `sleep` and `clock` are
    injectable so the walk can be tested quickly; `out` receives every decision line."""

    def __init__(self, backend: Backend, store: StateStore, config: RolloutConfig, out=print,
                 sleep=time.sleep, clock=time.time) -> None:
        self.backend, self.store, self.config = backend, store, config
        self.rollouts = RolloutStore(store)
        self.out, self.sleep, self.clock = out, sleep, clock

    def observe(self, progress: Progress) -> Observation:
        """The routing state, read again at every tick, both versions' figures (a scrape that fails is an
        observation too: it names the version that did not answer) and, during a window, the attempts the
        gateway saw fail."""
        state = self.store.read()
        routing = (state.stable, state.canary, state.canary_weight)
        figures = {}
        for version in (progress.version, progress.stable):
            try:
                figures[version] = self.backend.scrape(version)
            except (requests.RequestException, CanaryError) as error:
                return Observation(routing, figures, self.clock(), version,
                                   f"{version} did not answer its metrics scrape ({type(error).__name__})")
        now, failures = self.clock(), {}
        if progress.window_started is not None:
            view = gateway_view(self.backend.gateway_log(now - progress.window_started), now,
                                now - progress.window_started)
            failures = {version: figures["upstream_failures"] for version, figures in view.items()}
        return Observation(routing, figures, now, gateway_failures=failures)

    def apply(self, tick: Tick) -> None:
        for action in tick.actions:
            if isinstance(action, SetWeight):
                commands.set_canary_weight(self.backend, self.store, action.weight, tick.progress.version)
            elif isinstance(action, Promote):
                commands.promote(self.backend, self.store)
            elif isinstance(action, Rollback):
                commands.rollback(self.backend, self.store, force=True)
        for line in tick.messages:
            self.out(line)

    def start(self, version: str | None) -> Progress:
        with self.rollouts.runner():
            progress = self.rollouts.read()
            if progress is not None and progress.status.active:
                if version and version != progress.version:
                    raise UnsafeMove(f"a rollout of {progress.version} is in progress: abort it first")
                self.out(f"resuming the rollout of {progress.version} at step {progress.step + 1} "
                         f"({progress.status.value})")
            else:
                version = version or self.store.read().canary
                if not version:
                    raise UnsafeMove("no canary version: name one (rollout --version vN)")
                stable = prechecks(self.backend, self.store, version, self.config, self.out)
                with self.rollouts.changing():
                    state = self.store.read()
                    tick = rollout_machine.start(version, stable, self.config.steps,
                                                 (state.stable, state.canary, state.canary_weight))
                    self.rollouts.write(tick.progress)  # first: a runner stopped now re-applies the weight
                    self.apply(tick)
            return self._walk()

    def _walk(self) -> Progress:
        while True:
            with self.rollouts.changing():  # pause, resume and abort from other processes wait for a tick
                progress = self.rollouts.read()
                if not progress.status.active:
                    self.out(f"rollout {progress.status.value}" + (f": {progress.reason}" if progress.reason else ""))
                    return progress
                wait = self.config.check_seconds
                if progress.status is Phase.RUNNING:
                    tick = rollout_machine.advance(progress, self.observe(progress), self.config)
                    self.rollouts.write(tick.progress)
                    self.apply(tick)
                    wait = tick.wait
            if wait > 0:
                self.sleep(wait)


def set_status(store: StateStore, backend: Backend, action: str) -> Progress:
    """pause, resume or abort the rollout in progress (abort rolls the canary back at once)."""
    rollouts = RolloutStore(store)
    with rollouts.changing():
        progress = rollouts.read()
        if progress is None or not progress.status.active:
            raise CanaryError("no rollout in progress")
        if action == "pause":
            progress = replace(progress, status=Phase.PAUSED)
        elif action == "resume":  # a fresh window from the next tick: the pause may have changed the traffic
            progress = replace(progress, status=Phase.RUNNING, reason="", window_started=None, window_start={})
        elif action == "abort":
            state = store.read()
            if state.canary == progress.version and state.canary_weight > 0:
                commands.rollback(backend, store, force=True)
            progress = replace(progress, status=Phase.ABORTED, reason="aborted by the operator")
        rollouts.write(progress)
        return progress
