"""Reliability figures: a hung canary (failover and ejection), a hung shadow, upstream keep-alive vs a new
connection per request, and the peak memory of the largest accepted image. Local stack, real processes."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

from canary import commands
from canary.backends.local import version_port
from tests.helpers import ROOT, encode, version_dir
from tests.model.test_memory_budget import PROBE
from tests.reliability.test_hung_versions import hung
from tests.reliability.test_upstream_keepalive import time_wait_sockets_to
from tests.stack import LINE_IMAGE, Stack

from .stats import summary

CLIENTS = 8
HANG_S = 15
CONCURRENCY = 16
THROUGHPUT_REQUESTS = 800
KEEPALIVE_BLOCKS = 3


def post(session: requests.Session, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = session.post(f"{url}/ocr", data=LINE_IMAGE, headers={"Content-Type": "image/png"}, timeout=60)
    return response.status_code, (time.perf_counter() - started) * 1000


def hung_canary(stack: Stack) -> list[str]:
    """8 keep-alive clients while the canary (30%) hangs for 15 s."""
    commands.set_canary_weight(stack.backend, stack.store, 30)
    results: list[tuple[float, int, float]] = []  # (start offset s, status, ms)
    stop, begun = threading.Event(), time.monotonic()

    def client():
        with requests.Session() as session:
            while not stop.is_set() and len(results) < 100_000:
                offset = time.monotonic() - begun
                status, ms = post(session, stack.url)
                results.append((offset, status, ms))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    with hung(stack, "v2"):
        hang_started = time.monotonic() - begun
        time.sleep(HANG_S)
    stop.set()
    for thread in threads:
        thread.join()
    during = [(offset, status, ms) for offset, status, ms in results if offset >= hang_started]
    waited = [ms for _, _, ms in during if ms > 1000]
    after_first = [ms for offset, _, ms in during if offset > hang_started + 11]  # past the bound + failover
    failed = sum(status != 200 for _, status, _ in results)
    rate_before = sum(1 for offset, _, _ in results if offset < hang_started) / hang_started
    rate_after = len(after_first) / max(1e-9, HANG_S - 11)
    return [
        f"Hung canary: {CLIENTS} keep-alive clients looping POST /ocr (one line), canary v2 at 30% stopped with "
        f"SIGSTOP for {HANG_S} s (its port still accepts; nothing answers):", "",
        "| figure | value |", "|---|---|",
        f"| requests failed | {failed} of {len(results)} |",
        f"| requests that waited over 1 s (caught by the hang) | {len(waited)} |",
        f"| their wait (the time-to-first-byte bound, then failover) | max {max(waited, default=0) / 1000:.1f} s |",
        f"| throughput before the hang | {rate_before:.0f} req/s |",
        f"| throughput with v2 ejected (from 11 s into the hang) | {rate_after:.0f} req/s, "
        f"p50 {summary(after_first)['median_ms'] if after_first else '-'} ms |", "",
    ]


def hung_shadow(stack: Stack) -> list[str]:
    commands.set_canary_weight(stack.backend, stack.store, 0)
    commands.shadow(stack.backend, stack.store, "v2")
    with requests.Session() as session:
        healthy = [post(session, stack.url)[1] for _ in range(100)]
        with hung(stack, "v2"):
            stalled = [post(session, stack.url)[1] for _ in range(100)]
    commands.shadow(stack.backend, stack.store, None)
    rows = []
    for name, timings in (("healthy shadow", healthy), ("hung shadow (SIGSTOP)", stalled)):
        figures = summary(timings)
        rows.append(f"| {name} | {figures['median_ms']} ms | {figures['p95_ms']} ms | {max(timings):.0f} ms |")
    return ["Client latency with a shadow: 100 keep-alive POST /ocr answered by stable v1 while v2 gets a copy, "
            "healthy and then stopped (the copy's 2 s limit is paid once, then the shadow is ejected):", "",
            "| shadow | p50 | p95 | max |", "|---|---|---|---|", *rows, ""]


def throughput(stack: Stack) -> tuple[float, int]:
    """Requests/s at concurrency 16, and sockets left in TIME-WAIT towards v1."""
    port = version_port("v1", stack.backend.service_port_base)
    before = time_wait_sockets_to(port)
    local = threading.local()

    def one(_):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return post(local.session, stack.url)[0]

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(one, range(THROUGHPUT_REQUESTS)))
    rate = THROUGHPUT_REQUESTS / (time.perf_counter() - started)
    assert statuses == [200] * THROUGHPUT_REQUESTS
    return rate, time_wait_sockets_to(port) - before


def keepalive(stack: Stack) -> list[str]:
    commands.set_canary_weight(stack.backend, stack.store, 0)
    rates = {True: [], False: []}
    sockets = {True: [], False: []}
    for _ in range(KEEPALIVE_BLOCKS):  # alternating blocks: both see the same machine noise
        for enabled in (True, False):
            stack.backend.upstream_keepalive = enabled
            stack.backend.apply_topology(["v1", "v2"])
            rate, left = throughput(stack)
            rates[enabled].append(rate)
            sockets[enabled].append(left)
    stack.backend.upstream_keepalive = True
    stack.backend.apply_topology(["v1", "v2"])
    rows = [f"| {name} | {sorted(rates[enabled])[1]:.0f} lines/s | {max(sockets[enabled])} |"
            for name, enabled in (("kept connections (16 per version)", True), ("a new connection per request", False))]
    return [f"Upstream keep-alive: {THROUGHPUT_REQUESTS} POST /ocr (one line) at concurrency {CONCURRENCY} through "
            f"the gateway to stable v1, {KEEPALIVE_BLOCKS} alternating blocks each (median block):", "",
            "| gateway to version | throughput | sockets left in TIME-WAIT |", "|---|---|---|", *rows, ""]


def peak_memory() -> list[str]:
    path = Path(tempfile.mkdtemp(prefix="bench-memory-")) / "deep.png"
    path.write_bytes(encode(Image.new("I;16", (6300, 6300), 40000), "PNG"))
    completed = subprocess.run([sys.executable, "-c", PROBE, str(path), str(version_dir("v2"))], cwd=ROOT,
                               capture_output=True, text=True, timeout=300, check=True)
    return [f"Largest accepted image: a 6300x6300 16-bit PNG (39.7 Mpx, {path.stat().st_size // 1024} KB) read as a "
            f"page by v2 raises a worker's peak memory by **{completed.stdout.strip()} MiB** over the loaded models "
            "(the peak is reset after loading: /proc/self/clear_refs; 1.1 GB before 16-bit images were narrowed in "
            "place; tests/model/test_memory_budget.py holds it under 400 MiB).", ""]


def section() -> list[str]:
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-reliability-")), mode="local")
    commands.up(stack.backend, stack.store, ["v1", "v2"], stable="v1")
    try:
        lines = ["## Reliability (local stack)", ""]
        lines += keepalive(stack)
        lines += hung_shadow(stack)
        lines += hung_canary(stack)
    finally:
        stack.backend.stop_all()
    return lines + peak_memory()


if __name__ == "__main__":
    print("\n".join(section()))
