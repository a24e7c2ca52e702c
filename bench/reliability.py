"""Reliability figures: throughput through the gateway, deploy and retire under load, a hung canary (failover and
ejection), a hung shadow, and the peak memory of the largest accepted image. Local stack, real processes."""
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
from tests.stack import LINE_IMAGE, LoopingClient, Stack

from .stats import summary

CLIENTS = 8
HANG_S = 15
CONCURRENCY = 16
THROUGHPUT_REQUESTS = 800
THROUGHPUT_BLOCKS = 3
TOPOLOGY_CYCLES = 10
TIME_WAIT = "06"


def time_wait_sockets_to(port: int) -> int:
    """Sockets in TIME-WAIT towards the port (the side that closed first keeps them: the gateway)."""
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [row.split() for row in list(table)[1:]]
    return sum(1 for fields in rows if fields[3] == TIME_WAIT and int(fields[2].split(":")[1], 16) == port)


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


def throughput(url: str) -> float:
    """Requests/s at concurrency 16, one keep-alive session per client thread."""
    local = threading.local()

    def one(_):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return post(local.session, url)[0]

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(one, range(THROUGHPUT_REQUESTS)))
    assert statuses == [200] * THROUGHPUT_REQUESTS
    return THROUGHPUT_REQUESTS / (time.perf_counter() - started)


def gateway_throughput(stack: Stack) -> list[str]:
    """Direct to stable v1 vs through the gateway, alternating blocks, and the TIME-WAIT sockets it leaves."""
    commands.set_canary_weight(stack.backend, stack.store, 0)
    port = version_port("v1", stack.backend.service_port_base)
    rates = {"direct": [], "gateway": []}
    for _ in range(THROUGHPUT_BLOCKS):  # alternating blocks: both see the same machine noise
        before = time_wait_sockets_to(port)
        rates["gateway"].append(throughput(stack.url))
        left = time_wait_sockets_to(port) - before
        rates["direct"].append(throughput(stack.backend.service_url("v1")))
    direct, gateway = (sorted(rates[path])[THROUGHPUT_BLOCKS // 2] for path in ("direct", "gateway"))
    return [f"Throughput: {THROUGHPUT_REQUESTS} POST /ocr (one line) at concurrency {CONCURRENCY}, keep-alive clients, "
            f"{THROUGHPUT_BLOCKS} alternating blocks each (median block):", "",
            "| path | throughput |", "|---|---|",
            f"| direct to v1's gunicorn | {direct:.0f} lines/s |",
            f"| through the gateway (a connection per request to the version) | {gateway:.0f} lines/s "
            f"({gateway / direct - 1:+.0%}) |", "",
            f"One gateway block left {left} sockets in TIME-WAIT on the gateway's side (it closes first); loopback "
            "reuses them (tcp_tw_reuse=2).", ""]


def topology_changes(stack: Stack) -> list[str]:
    """Keep-alive clients looping while the canary is retired and deployed again: no reload, nothing lost."""
    clients = [LoopingClient(stack.url) for _ in range(4)]
    for client in clients:
        client.start()
    for _ in range(TOPOLOGY_CYCLES):
        commands.retire(stack.backend, stack.store, "v2")
        commands.deploy(stack.backend, stack.store, "v2")
    for client in clients:
        client.finish()
    commands.set_canary_weight(stack.backend, stack.store, 0, version="v2")
    failed = sum(len(client.failures) for client in clients)
    answered = sum(len(client.answers) for client in clients)
    return [f"Deploy and retire under load: 4 keep-alive clients looping POST /ocr while v2 was retired and deployed "
            f"again {TOPOLOGY_CYCLES} times ({2 * TOPOLOGY_CYCLES} changes of the deployed set): **{failed} failed** of "
            f"{answered}. The gateway is never reloaded (its config names no version); when deploy and retire "
            "reloaded it, a reload closed the clients' idle connections: 1 request lost in 24 changes "
            "(tests/reliability/test_topology_under_load.py, before the change).", ""]


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
        lines += gateway_throughput(stack)
        lines += topology_changes(stack)
        lines += hung_shadow(stack)
        lines += hung_canary(stack)
    finally:
        stack.backend.stop_all()
    return lines + peak_memory()


if __name__ == "__main__":
    print("\n".join(section()))
