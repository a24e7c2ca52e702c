"""Per-version figures from the swarm stack's Prometheus (deploy/prometheus/): the series a direct scrape
reads, of every replica Prometheus discovered (tasks.ocr-versions), summed. The figures are as of its last
scrape (every 2 s): the rollout's windows, tens of seconds long, are judged on data at most that old at
both ends.
"""
from __future__ import annotations

import requests

from .metrics import SERIES, VersionFigures, from_samples


class NoFigures(Exception):
    """Prometheus holds no series of the version yet (just started, or no replica scraped)."""


def query(base_url: str, promql: str, timeout: float = 2.0) -> list[dict]:
    """An instant query's vector. Raises requests.RequestException when Prometheus does not answer."""
    response = requests.get(f"{base_url}/api/v1/query", params={"query": promql}, timeout=timeout)
    response.raise_for_status()
    body = response.json()
    if body.get("status") != "success" or body["data"]["resultType"] != "vector":
        raise requests.RequestException(f"Prometheus answered {body.get('error', body.get('status'))}")
    return body["data"]["result"]


def version_figures(base_url: str, version: str, timeout: float = 2.0) -> VersionFigures:
    """The version's figures over all its scraped replicas. NoFigures when Prometheus has none."""
    names = "|".join(SERIES)
    result = query(base_url, f'{{__name__=~"{names}", job="versions", version="{version}"}}', timeout)
    if not result:
        raise NoFigures(version)
    return from_samples((series["metric"]["__name__"], series["metric"], float(series["value"][1]))
                        for series in result)


def targets_up(base_url: str, timeout: float = 2.0) -> dict[str, int]:
    """How many targets of each job (versions, gateways) answered Prometheus' last scrape."""
    return {series["metric"]["job"]: int(float(series["value"][1]))
            for series in query(base_url, "count by (job) (up == 1)", timeout)}


def recorded_rates(base_url: str, timeout: float = 2.0) -> dict[str, dict[str, float]]:
    """Per version, the recording rules' request rates over the last minute (routed and pinned, per second)."""
    rates: dict[str, dict[str, float]] = {}
    for key, rule in (("requests_per_s", "version:ocr_requests:rate1m"),
                      ("pinned_per_s", "version:ocr_pinned_requests:rate1m")):
        for series in query(base_url, rule, timeout):
            rates.setdefault(series["metric"]["version"], {})[key] = float(series["value"][1])
    return rates
