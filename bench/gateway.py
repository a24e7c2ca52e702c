"""Gateway figures: overhead (via gateway vs direct, same run), time to apply a weight change and a
rollback, and requests lost while the weight moves."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from canary import commands
from tests.helpers import ROOT
from tests.lines import rendered_line
from tests.stack import Stack

from .stats import summary

REQUESTS = 300
CHANGES = 200
SHADOW_BLOCKS = 10
TITLES = {"local": "local processes", "docker": "docker mode: gateway and versions in containers, "
                                                "direct = the container's address from the host"}


def timed_posts(session: requests.Session, url: str, image: bytes, count: int, **headers) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.post(f"{url}/ocr", data=image, headers={"Content-Type": "image/png", **headers}, timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return timings


def section(mode: str = "local") -> list[str]:
    stack = Stack(Path(tempfile.mkdtemp(prefix=f"bench-gateway-{mode}-")), mode=mode)
    commands.up(stack.backend, stack.store, ["v1", "v2"], stable="v1")
    image = rendered_line("Invoice 2026-11-24 total 1,000.50")
    try:
        direct, via = [], []
        with requests.Session() as direct_session, requests.Session() as gateway_session:
            timed_posts(direct_session, stack.backend.service_url("v1"), image, 20)
            timed_posts(gateway_session, stack.url, image, 20)
            for _ in range(REQUESTS // 10):  # interleaved so both see the same machine noise
                direct += timed_posts(direct_session, stack.backend.service_url("v1"), image, 10)
                via += timed_posts(gateway_session, stack.url, image, 10, **{"X-Model-Version": "v1"})
        direct_figures, via_figures = summary(direct), summary(via)

        without_shadow, with_shadow = [], []
        with requests.Session() as session:
            for _ in range(SHADOW_BLOCKS):  # alternating blocks: both see the same machine noise
                commands.shadow(stack.backend, stack.store, None)
                without_shadow += timed_posts(session, stack.url, image, 20)
                commands.shadow(stack.backend, stack.store, "v2")
                with_shadow += timed_posts(session, stack.url, image, 20)
        commands.shadow(stack.backend, stack.store, None)
        shadow_off, shadow_on = summary(without_shadow), summary(with_shadow)

        apply_ms = []
        for change in range(CHANGES):
            started = time.perf_counter()
            commands.set_canary_weight(stack.backend, stack.store, (change * 37) % 101)
            apply_ms.append((time.perf_counter() - started) * 1000)
        rollback_cli_ms = []
        for _ in range(10):
            commands.set_canary_weight(stack.backend, stack.store, 50)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "canary", "rollback"], env=stack.env, cwd=ROOT, check=True,
                           capture_output=True, timeout=30)
            rollback_cli_ms.append((time.perf_counter() - started) * 1000)

        failures, answered = [], [0]
        stop = threading.Event()

        def loop():
            with requests.Session() as session:
                while not stop.is_set() and answered[0] < 50000:
                    response = session.post(f"{stack.url}/ocr", data=image,
                                            headers={"Content-Type": "image/png"}, timeout=30)
                    answered[0] += 1
                    if response.status_code != 200:
                        failures.append(response.status_code)

        client = threading.Thread(target=loop)
        client.start()
        for change in range(CHANGES):
            commands.set_canary_weight(stack.backend, stack.store, (change * 37) % 101)
            if change % 10 == 9:
                commands.rollback(stack.backend, stack.store)
            time.sleep(0.01)
        stop.set()
        client.join()
    finally:
        stack.backend.stop_all()
    apply, rollback = summary(apply_ms), summary(rollback_cli_ms)
    return [
        f"## Gateway (nginx + njs, {TITLES[mode]})", "",
        f"Overhead: {REQUESTS} POST /ocr each, direct to the v1 service and pinned to v1 through the gateway, "
        "interleaved in one run; keep-alive from the client (the gateway opens a connection to the version per "
        "request: it finds versions by name, so its config names none).", "",
        "| path | p50 | p95 |", "|---|---|---|",
        f"| direct to gunicorn | {direct_figures['median_ms']} ms | {direct_figures['p95_ms']} ms |",
        f"| through the gateway | {via_figures['median_ms']} ms | {via_figures['p95_ms']} ms |",
        f"| overhead | {via_figures['median_ms'] - direct_figures['median_ms']:+.2f} ms | "
        f"{via_figures['p95_ms'] - direct_figures['p95_ms']:+.2f} ms |", "",
        f"Shadow traffic: client latency of POST /ocr answered by stable v1, without and with a mirrored copy "
        f"to v2, {SHADOW_BLOCKS} alternating blocks of 20:", "",
        "| shadow | p50 | p95 |", "|---|---|---|",
        f"| off | {shadow_off['median_ms']} ms | {shadow_off['p95_ms']} ms |",
        f"| on (v2 gets a copy) | {shadow_on['median_ms']} ms | {shadow_on['p95_ms']} ms |", "",
        "| operation | p50 | p95 | runs |", "|---|---|---|---|",
        f"| weight change (validate + lock + atomic write + history) | {apply['median_ms']} ms | {apply['p95_ms']} ms "
        f"| {apply['runs']} |",
        f"| `python -m canary rollback`, whole command incl. interpreter start | {rollback['median_ms']} ms | "
        f"{rollback['p95_ms']} ms | {rollback['runs']} |", "",
        f"Requests lost while the weight changed {CHANGES} times and rolled back {CHANGES // 10} times: "
        f"**{len(failures)}** of {answered[0]} (one keep-alive client looping POST /ocr).",
    ]
