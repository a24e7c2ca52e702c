"""Timing helpers shared by the benchmarks: repeated runs, median and p95."""
from __future__ import annotations

import statistics
import time


def time_calls(function, repeats: int, warmup: int = 3) -> list[float]:
    """Wall time of each call in milliseconds, after a few warm-up calls."""
    for _ in range(warmup):
        function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "runs": len(ordered),
    }
