"""The rollout's gates: one window of a canary's figures judged against stable's."""
from __future__ import annotations

from dataclasses import dataclass

from .metrics import VersionFigures


@dataclass(frozen=True)
class Gates:
    max_error_rate_increase: float  # canary error rate minus stable's, 5xx answers
    max_p95_ratio: float  # canary p95 latency / stable p95 latency ...
    min_p95_increase_ms: float  # ... and by at least this much: a few cold requests on a busy box are not a regression
    max_confidence_drop: float  # stable mean line confidence minus canary's


@dataclass(frozen=True)
class WindowSummary:
    """What the gates look at for one version over one window (routed traffic only: see metrics)."""
    requests: int
    error_rate: float | None
    p95_ms: float | None
    mean_confidence: float | None

    @classmethod
    def of(cls, figures: VersionFigures, gateway_failures: int = 0) -> WindowSummary:
        """``gateway_failures``: attempts that failed at the gateway (refused, timed out) and so never reached
        the service's own counters; each counts as a request and an error."""
        p95 = figures.latency_quantile(0.95)
        requests = int(figures.requests) + gateway_failures
        error_rate = (figures.errors + gateway_failures) / requests if requests else None
        return cls(requests, error_rate, p95 * 1000 if p95 is not None else None, figures.mean_confidence)

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
