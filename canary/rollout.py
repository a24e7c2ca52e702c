"""Progressive rollout: walk the canary through the configured weights, judge it against stable at
every step from the services' /metrics, promote at the end, roll back at the first failed gate.

The rollout's progress lives in the state folder (rollout.json), not in the process: `rollout start`
run again after a crash resumes where it was; `pause`, `resume` and `abort` come from other processes.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import requests

from . import commands
from .backends.base import Backend
from .compare import compare
from .errors import CanaryError, UnsafeMove
from .metrics import VersionFigures, scrape
from .state import StateStore, write_json_atomically

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "deploy" / "rollout.json"
ACTIVE = ("running", "paused")


@dataclass(frozen=True)
class Gates:
    max_error_rate_increase: float  # canary error rate minus stable's, 5xx answers
    max_p95_ratio: float  # canary p95 latency / stable p95 latency ...
    min_p95_increase_ms: float  # ... and by at least this much: a few cold requests on a busy box are not a regression
    max_confidence_drop: float  # stable mean line confidence minus canary's


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


@dataclass(frozen=True)
class WindowSummary:
    """What the gates look at for one version over one window."""
    requests: int
    error_rate: float | None
    p95_ms: float | None
    mean_confidence: float | None

    @classmethod
    def of(cls, figures: VersionFigures) -> WindowSummary:
        p95 = figures.latency_quantile(0.95)
        return cls(int(figures.requests), figures.error_rate, p95 * 1000 if p95 is not None else None,
                   figures.mean_confidence)

    def describe(self) -> str:
        def show(value, fmt):
            return "-" if value is None else format(value, fmt)
        return (f"{self.requests} req, errors {show(self.error_rate, '.1%')}, p95 {show(self.p95_ms, '.0f')} ms, "
                f"confidence {show(self.mean_confidence, '.3f')}")


@dataclass(frozen=True)
class Verdict:
    passed: bool | None  # None: too little data for any verdict yet
    reasons: tuple[str, ...]


def judge(canary: WindowSummary, stable: WindowSummary | None, gates: Gates, min_requests: int) -> Verdict:
    """Compare the canary with stable over the same window (or stable's last full window)."""
    if canary.requests < min_requests or stable is None or stable.requests < min_requests:
        return Verdict(None, (f"waiting for {min_requests} requests per version",))
    failures = []
    error_increase = (canary.error_rate or 0.0) - (stable.error_rate or 0.0)
    if error_increase > gates.max_error_rate_increase:
        failures.append(f"error rate {canary.error_rate:.1%} vs stable {stable.error_rate or 0:.1%} "
                        f"(+{error_increase:.1%} > +{gates.max_error_rate_increase:.1%})")
    if canary.p95_ms is not None and stable.p95_ms:
        ratio = canary.p95_ms / stable.p95_ms
        if ratio > gates.max_p95_ratio and canary.p95_ms - stable.p95_ms >= gates.min_p95_increase_ms:
            failures.append(f"p95 latency {canary.p95_ms:.0f} ms is {ratio:.2f}x stable's {stable.p95_ms:.0f} ms "
                            f"(> {gates.max_p95_ratio}x)")
    if canary.mean_confidence is not None and stable.mean_confidence is not None:
        drop = stable.mean_confidence - canary.mean_confidence
        if drop > gates.max_confidence_drop:
            failures.append(f"mean confidence {canary.mean_confidence:.3f} vs stable {stable.mean_confidence:.3f} "
                            f"(drop {drop:.3f} > {gates.max_confidence_drop})")
    return Verdict(not failures, tuple(failures))


@dataclass
class Progress:
    """rollout.json: where the rollout is. Figures at the window's start make the window's deltas."""
    version: str
    stable: str
    status: str  # running, paused, promoted, rolled_back, aborted
    steps: list = field(default_factory=list)  # the weights of this rollout, from its config
    step: int = 0
    window_started: float = 0.0
    window_start: dict = field(default_factory=dict)  # version -> VersionFigures.to_json()
    failures: int = 0
    stable_reference: dict | None = None  # stable's last window with enough requests (for the 100% step)
    reason: str = ""
    decisions: list = field(default_factory=list)


class RolloutStore:
    """rollout.json beside routing.json, and the locks: one runner at a time, one change at a time."""

    def __init__(self, store: StateStore) -> None:
        self.path = store.directory / "rollout.json"
        self.directory = store.directory

    def read(self) -> Progress | None:
        if not self.path.exists():
            return None
        return Progress(**json.loads(self.path.read_text(encoding="utf-8")))

    def write(self, progress: Progress) -> None:
        write_json_atomically(self.path, asdict(progress))

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


class Unreachable(CanaryError):
    """A version whose metrics could not be scraped (down, hung or cut off)."""

    def __init__(self, version: str, message: str) -> None:
        super().__init__(message)
        self.version = version


class Runner:
    """Drives one rollout until it is promoted, rolled back or aborted. `sleep` and `clock` are injectable
    so the walk can be tested quickly; `out` receives every decision line."""

    def __init__(self, backend: Backend, store: StateStore, config: RolloutConfig, out=print,
                 sleep=time.sleep, clock=time.time) -> None:
        self.backend, self.store, self.config = backend, store, config
        self.rollouts = RolloutStore(store)
        self.out, self.sleep, self.clock = out, sleep, clock

    def _figures(self, progress: Progress) -> dict[str, VersionFigures]:
        """Both versions' figures now. Raises Unreachable naming the version whose /metrics did not answer."""
        figures = {}
        for version in (progress.version, progress.stable):
            try:
                figures[version] = scrape(self.backend.service_url(version))
            except requests.RequestException as error:
                raise Unreachable(version, f"{version} did not answer its metrics scrape ({type(error).__name__})") \
                    from error
        return figures

    def _new_window(self, progress: Progress) -> None:
        progress.window_started = self.clock()
        progress.window_start = {version: figures.to_json() for version, figures in self._figures(progress).items()}

    def _changed_outside(self, progress: Progress) -> str:
        """Why the routing state is no longer the one this rollout set ("" when it is): an operator's
        rollback, weight move or promote wins, and the rollout must not undo it."""
        state = self.store.read()
        expected = (progress.stable, progress.version, self.config.steps[progress.step])
        if (state.stable, state.canary, state.canary_weight) == expected:
            return ""
        return (f"the routing state was changed outside the rollout (stable {state.stable}, canary {state.canary} at "
                f"{state.canary_weight}%; the rollout had {expected[1]} at {expected[2]}%): it stops and leaves it so")

    def _on_unreachable(self, progress: Progress, error: "Unreachable") -> None:
        """An unreachable or hung canary is rolled back; an unreachable stable pauses the rollout."""
        if error.version == progress.version:
            commands.rollback(self.backend, self.store, force=True)
            progress.status, progress.reason = "rolled_back", str(error)
        else:
            progress.status, progress.reason = "paused", f"{error}; `rollout resume` tries again"
        self.out(f"rollout {progress.status}: {progress.reason}")

    def _set_step(self, progress: Progress, step: int) -> None:
        progress.step = step
        weight = self.config.steps[step]
        commands.set_canary_weight(self.backend, self.store, weight, progress.version)
        self._new_window(progress)
        self.out(f"step {step + 1}/{len(self.config.steps)}: {progress.version} at {weight}%")

    def start(self, version: str | None) -> Progress:
        with self.rollouts.runner():
            progress = self.rollouts.read()
            if progress is not None and progress.status in ACTIVE:
                if version and version != progress.version:
                    raise UnsafeMove(f"a rollout of {progress.version} is in progress: abort it first")
                self.out(f"resuming the rollout of {progress.version} at step {progress.step + 1} ({progress.status})")
            else:
                version = version or self.store.read().canary
                if not version:
                    raise UnsafeMove("no canary version: name one (rollout --version vN)")
                stable = prechecks(self.backend, self.store, version, self.config, self.out)
                progress = Progress(version=version, stable=stable, status="running", steps=list(self.config.steps))
                with self.rollouts.changing():
                    self._set_step(progress, 0)
                    self.rollouts.write(progress)
            return self._walk()

    def _walk(self) -> Progress:
        while True:
            progress = self.rollouts.read()
            if progress.status not in ACTIVE:
                self.out(f"rollout {progress.status}" + (f": {progress.reason}" if progress.reason else ""))
                return progress
            if progress.status == "paused":
                self.sleep(self.config.check_seconds)
                continue
            remaining = progress.window_started + self.config.step_seconds - self.clock()
            if remaining > 0:
                self.sleep(min(self.config.check_seconds, remaining))
                continue
            with self.rollouts.changing():
                progress = self.rollouts.read()  # pause or abort may have come in meanwhile
                window = progress.window_started
                if progress.status == "running":
                    interference = self._changed_outside(progress)
                    if interference:
                        progress.status, progress.reason = "aborted", interference
                    else:
                        try:
                            self._check(progress)
                        except Unreachable as error:
                            self._on_unreachable(progress, error)
                    self.rollouts.write(progress)
            if progress.status == "running" and progress.window_started == window:
                self.sleep(self.config.check_seconds)  # no verdict yet: let the window grow

    def _check(self, progress: Progress) -> None:
        now = self._figures(progress)
        windows = {version: WindowSummary.of(figures.since(VersionFigures.from_json(progress.window_start[version])))
                   for version, figures in now.items()}
        canary, stable = windows[progress.version], windows[progress.stable]
        if stable.requests >= self.config.min_requests:
            progress.stable_reference = asdict(stable)
        reference = stable if stable.requests >= self.config.min_requests else (
            WindowSummary(**progress.stable_reference) if progress.stable_reference else None)
        verdict = judge(canary, reference, self.config.gates, self.config.min_requests)
        weight = self.config.steps[progress.step]
        outcome = {None: "no verdict", True: "pass", False: "FAIL"}[verdict.passed]
        self.out(f"step {progress.step + 1}/{len(self.config.steps)} ({weight}%): {outcome} | "
                 f"{progress.version}: {canary.describe()} | {progress.stable}: "
                 f"{(reference or stable).describe()}" + "".join(f" | {reason}" for reason in verdict.reasons))
        progress.decisions.append({"time": self.clock(), "step": progress.step, "weight": weight, "outcome": outcome,
                                   "canary": asdict(canary), "stable": asdict(reference or stable),
                                   "reasons": list(verdict.reasons)})
        if verdict.passed is None:  # the window grows until it holds enough requests, within reason
            waited = self.clock() - progress.window_started - self.config.step_seconds
            if waited > self.config.inconclusive_seconds:
                progress.status = "paused"
                progress.reason = (f"no verdict after {waited:.0f} s more than the step's time: too little traffic "
                                   f"({'; '.join(verdict.reasons)}); `rollout resume` waits again, `abort` rolls back")
                self.out(f"rollout paused: {progress.reason}")
            return
        if verdict.passed:
            progress.failures = 0
            if progress.step + 1 < len(self.config.steps):
                self._set_step(progress, progress.step + 1)
            else:
                commands.promote(self.backend, self.store)
                progress.status, progress.reason = "promoted", f"{progress.version} passed every step"
            return
        progress.failures += 1
        if progress.failures >= self.config.failures_to_rollback:
            commands.rollback(self.backend, self.store, force=True)
            progress.status, progress.reason = "rolled_back", "; ".join(verdict.reasons)
        else:
            self._new_window(progress)


def set_status(store: StateStore, backend: Backend, action: str) -> Progress:
    """pause, resume or abort the rollout in progress (abort rolls the canary back at once)."""
    rollouts = RolloutStore(store)
    with rollouts.changing():
        progress = rollouts.read()
        if progress is None or progress.status not in ACTIVE:
            raise CanaryError("no rollout in progress")
        if action == "pause":
            progress.status = "paused"
        elif action == "resume":
            progress.status, progress.reason = "running", ""
            progress.window_started = time.time()  # a fresh wait; the window's figures keep counting
        elif action == "abort":
            state = store.read()
            if state.canary == progress.version and state.canary_weight > 0:
                commands.rollback(backend, store, force=True)
            progress.status, progress.reason = "aborted", "aborted by the operator"
        rollouts.write(progress)
        return replace(progress)
