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


def parse(text: str) -> VersionFigures:
    requests_total = errors = confidence_sum = confidence_count = pinned = client_errors = 0.0
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            route = sample.labels.get("route")
            if route == "pinned" and sample.name == "ocr_requests_total":
                pinned += sample.value
            if route != "routed":
                continue
            if sample.name == "ocr_requests_total":
                status = sample.labels.get("status", "")
                if status.startswith("4"):
                    client_errors += sample.value
                    continue
                requests_total += sample.value
                if status.startswith("5"):
                    errors += sample.value
            elif sample.name == "ocr_request_latency_seconds_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
            elif sample.name == "ocr_line_confidence_sum":
                confidence_sum += sample.value
            elif sample.name == "ocr_line_confidence_count":
                confidence_count += sample.value
    return VersionFigures(requests_total, errors, tuple(sorted(buckets.items())), confidence_sum, confidence_count,
                          pinned, client_errors)


def scrape(service_url: str, timeout: float = 2.0) -> VersionFigures:
    """A version service's figures now. Raises requests.RequestException when it does not answer."""
    response = requests.get(f"{service_url}/metrics", timeout=timeout)
    response.raise_for_status()
    return parse(response.text)
