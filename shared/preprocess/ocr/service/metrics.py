"""Prometheus metrics, safe across gunicorn workers (multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set)."""
from __future__ import annotations

import os

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest, multiprocess)

# route: how the request reached the version (see request_route): only "routed" traffic judges a rollout.
REQUESTS = Counter("ocr_requests_total", "OCR requests by endpoint, HTTP status and route",
                   ["version", "endpoint", "status", "route"])
LATENCY = Histogram("ocr_request_latency_seconds", "Time to answer an OCR request (4xx answers left out)",
                    ["version", "endpoint", "route"],
                    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10))
CONFIDENCE = Histogram("ocr_line_confidence", "Line confidence of recognised lines", ["version", "route"],
                       buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0))
IMAGE_PIXELS = Histogram("ocr_image_pixels", "Pixels of decoded input images", ["version"],
                         buckets=(1e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 4e7))
IN_FLIGHT = Gauge("ocr_in_flight_requests", "OCR requests being processed", ["version"],
                  multiprocess_mode="livesum")


ROUTED_REASONS = ("stable", "weighted", "sticky")  # the gateway's X-Route for traffic it chose a version for


def request_route(headers) -> str:
    """routed: the gateway chose this version (weighted, sticky or stable); pinned: the client chose it;
    shadow: a mirrored copy; direct: not through the gateway (the control tool's prechecks, tests)."""
    if headers.get("X-Shadow-Role") == "shadow":
        return "shadow"
    route = headers.get("X-Route", "")
    return "routed" if route in ROUTED_REASONS else "pinned" if route == "pinned" else "direct"


def exposition() -> tuple[bytes, str]:
    """The metrics page: every worker's figures summed in multiprocess mode, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
