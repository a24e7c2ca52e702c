"""Service latency over HTTP (real gunicorn, one 32x320 line) at concurrency 1, 4 and 16, and memory."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.lines import rendered_line
from canary.backends.local import child_pids
from tests.processes import start_service, stop_service

from .stats import summary

REQUESTS_PER_LEVEL = {1: 150, 4: 300, 16: 480}


def line_image() -> bytes:
    """A rendered line resized by the service to about 32x320."""
    return rendered_line("Invoice 2026-11-24 total 1,000.50")


def load(url: str, concurrency: int, total: int, image: bytes) -> tuple[list[float], float, int]:
    """`total` POSTs spread over `concurrency` keep-alive clients: per-request ms, wall seconds, failures."""
    per_client = total // concurrency

    def client(_):
        timings, failures = [], 0
        with requests.Session() as session:
            for _ in range(per_client):
                started = time.perf_counter()
                response = session.post(f"{url}/ocr", data=image, headers={"Content-Type": "image/png"}, timeout=30)
                timings.append((time.perf_counter() - started) * 1000)
                failures += response.status_code != 200
        return timings, failures

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(client, range(concurrency)))
    wall = time.perf_counter() - started
    return [t for timings, _ in results for t in timings], wall, sum(failures for _, failures in results)


def proportional_memory_mib(pids: set[int]) -> float:
    """PSS summed over the processes: shared pages counted once across them."""
    total_kib = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def section() -> list[str]:
    import tempfile

    lines = ["## Version service over HTTP (gunicorn, 2 gthread workers x 4 threads, ONNX Runtime 1 thread each)", "",
             "One rendered line (resized to 32x~330) POSTed as image/png over keep-alive connections to 127.0.0.1.",
             "", "| version | concurrency | requests | p50 | p95 | throughput | failed |",
             "|---|---|---|---|---|---|---|"]
    memory_rows = []
    image = line_image()
    for version in ("v1", "v2"):
        service = start_service(version, Path(tempfile.mkdtemp(prefix="bench-")))
        try:
            load(service.url, 2, 20, image)  # warm both workers
            for concurrency, total in REQUESTS_PER_LEVEL.items():
                timings, wall, failures = load(service.url, concurrency, total, image)
                figures = summary(timings)
                lines.append(f"| {version} | {concurrency} | {len(timings)} | {figures['median_ms']} ms | "
                             f"{figures['p95_ms']} ms | {len(timings) / wall:.0f} lines/s | {failures} |")
            pids = child_pids(service.process.pid) | {service.process.pid}
            memory_rows.append(f"| {version} | {len(pids)} | {proportional_memory_mib(pids):.0f} MiB |")
        finally:
            stop_service(service.process)
    lines += ["", "gunicorn layouts for v2 at concurrency 4 (the default is 2 workers x 4 threads, ORT 1 thread "
              "each):", "",
              "| workers x threads | ORT threads | p50 | p95 | throughput |", "|---|---|---|---|---|"]
    for workers, threads, ort_threads in ((1, 4, 1), (1, 4, 2), (2, 4, 1), (4, 2, 1)):
        service = start_service("v2", Path(tempfile.mkdtemp(prefix="bench-")), GUNICORN_WORKERS=str(workers),
                                GUNICORN_THREADS=str(threads), OCR_ORT_THREADS=str(ort_threads))
        try:
            load(service.url, 4, 40, image)
            timings, wall, _ = load(service.url, 4, 300, image)
            figures = summary(timings)
            lines.append(f"| {workers} x {threads} | {ort_threads} | {figures['median_ms']} ms "
                         f"| {figures['p95_ms']} ms "
                         f"| {len(timings) / wall:.0f} lines/s |")
        finally:
            stop_service(service.process)
    lines += ["", "Memory after the load above (PSS: shared pages counted once; the seed article's v2 used "
              "420 MB):", "",
              "| version | processes | PSS total |", "|---|---|---|", *memory_rows]
    return lines
