"""Per-version figures from a service's /metrics: requests, error rate, latency quantiles, confidence.

They are the figures a rollout is judged by, so they hold only traffic the gateway routed (weighted, sticky
or stable) that the client did not spoil: 4xx answers are the client's, and pinned traffic is the client's
choice of version; both are counted beside (client_errors, pinned_requests) but decide nothing. A client
cannot steer the gates by pinning garbage, or good images, to one version.

Quantiles come from the latency histogram's buckets (linear interpolation inside the bucket, as
Prometheus' histogram_quantile does), never from the mean.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class VersionFigures:
    requests: float  # routed requests not refused as the client's fault (4xx)
    errors: float  # 5xx answers among them
    latency_buckets: tuple[tuple[float, float], ...]  # (upper bound s, cumulative count)
    confidence_sum: float
    confidence_count: float
    pinned_requests: float = 0.0  # every answer to a pinned request: reported, never judged
    client_errors: float = 0.0  # routed requests answered 4xx

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.confidence_count if self.confidence_count else None

    def latency_quantile(self, quantile: float) -> float | None:
        return histogram_quantile(quantile, self.latency_buckets)

    def since(self, earlier: VersionFigures) -> VersionFigures:
        """The figures of the window between two scrapes. A counter that went down means the service
        restarted (its counters began again at zero): then the window is everything since the restart."""
        if self.requests < earlier.requests:
            return self
        earlier_buckets = dict(earlier.latency_buckets)
        return VersionFigures(self.requests - earlier.requests, self.errors - earlier.errors,
                              tuple((bound, count - earlier_buckets.get(bound, 0.0))
                                    for bound, count in self.latency_buckets),
                              self.confidence_sum - earlier.confidence_sum,
                              self.confidence_count - earlier.confidence_count,
                              self.pinned_requests - earlier.pinned_requests,
                              self.client_errors - earlier.client_errors)

    def to_json(self) -> dict:
        return {**asdict(self), "latency_buckets": [[bound if bound != float("inf") else "+Inf", count]
                                                    for bound, count in self.latency_buckets]}

    @classmethod
    def from_json(cls, data: dict) -> VersionFigures:
        buckets = tuple((float(bound), count) for bound, count in data["latency_buckets"])
        return cls(**{**data, "latency_buckets": buckets})


def histogram_quantile(quantile: float, buckets) -> float | None:
    """Seconds at the quantile from cumulative (upper bound, count) buckets; None without data."""
    if not buckets or buckets[-1][1] == 0:
        return None
    rank = quantile * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for upper_bound, count in buckets:
        if count >= rank:
            if upper_bound == float("inf"):
                return lower_bound  # beyond the last finite bucket: its bound is all we know
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return lower_bound + (upper_bound - lower_bound) * share
        lower_bound, lower_count = upper_bound, count
    return lower_bound


# The series the figures are made of (what the stack's Prometheus is asked for: canary/prometheus.py).
SERIES = ("ocr_requests_total", "ocr_request_latency_seconds_bucket", "ocr_line_confidence_sum",
          "ocr_line_confidence_count")


def from_samples(samples) -> VersionFigures:
    """Figures from (name, labels, value) samples; samples of one series from several replicas add up."""
    requests_total = errors = confidence_sum = confidence_count = pinned = client_errors = 0.0
    buckets: dict[float, float] = {}
    for name, labels, value in samples:
        route = labels.get("route")
        if route == "pinned" and name == "ocr_requests_total":
            pinned += value
        if route != "routed":
            continue
        if name == "ocr_requests_total":
            status = labels.get("status", "")
            if status.startswith("4"):
                client_errors += value
                continue
            requests_total += value
            if status.startswith("5"):
                errors += value
        elif name == "ocr_request_latency_seconds_bucket":
            bound = float(labels["le"])
            buckets[bound] = buckets.get(bound, 0.0) + value
        elif name == "ocr_line_confidence_sum":
            confidence_sum += value
        elif name == "ocr_line_confidence_count":
            confidence_count += value
    return VersionFigures(requests_total, errors, tuple(sorted(buckets.items())), confidence_sum, confidence_count,
                          pinned, client_errors)


def parse(text: str) -> VersionFigures:
    """Figures from /metrics pages (several replicas' pages joined add up)."""
    return from_samples((sample.name, sample.labels, sample.value)
                        for family in text_string_to_metric_families(text) for sample in family.samples)


def scrape(service_url: str, timeout: float = 2.0) -> VersionFigures:
    """A version service's figures now. Raises requests.RequestException when it does not answer."""
    response = requests.get(f"{service_url}/metrics", timeout=timeout)
    response.raise_for_status()
    return parse(response.text)
