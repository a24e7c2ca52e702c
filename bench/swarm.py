"""Swarm figures: gateway overhead, throughput with 1 vs 2 gateway replicas and 1 vs 2 version replicas,
how fast a routing state reaches every gateway replica, and what a rolling update, a killed replica and a
lost node cost the clients. The swarm stack on the real engine (deploy/swarm-stack.yml).

`python -m bench.swarm --write` measures this section alone and puts it into BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from canary import commands
from canary.backends.swarm import run_node_script
from tests.helpers import wait_for
from tests.stack import LINE_IMAGE, LoopingClient, Stack

from .report import replace_section
from .stats import summary

TITLE = "## Swarm mode"
CONCURRENCY = 16
THROUGHPUT_REQUESTS = 480
OVERHEAD_REQUESTS = 200
CHANGES = 100
LOAD_CLIENTS = 4


def post(session: requests.Session, url: str, **headers) -> float:
    started = time.perf_counter()
    response = session.post(url, data=LINE_IMAGE, timeout=60, headers={"Content-Type": "image/png", **headers})
    assert response.status_code == 200, response.text
    return (time.perf_counter() - started) * 1000


def scale(stack: Stack, service: str, replicas: int) -> None:
    stack.backend.scale(service, replicas)
    wait_for(lambda: len(stack.backend.running_tasks(service)) == replicas, 180, f"{replicas} x {service}")
    time.sleep(3)  # the edge's and the gateways' DNS (valid=1s) see the new set


def throughput(stack: Stack) -> float:
    """Lines per second through the published port, 16 keep-alive clients, all to stable v1."""
    sessions = [requests.Session() for _ in range(CONCURRENCY)]
    per_client = THROUGHPUT_REQUESTS // CONCURRENCY
    url = f"{stack.url}/ocr"
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda session: post(session, url), sessions))  # warm: connections and both replicas
        started = time.perf_counter()
        list(pool.map(lambda session: [post(session, url) for _ in range(per_client)], sessions))
        seconds = time.perf_counter() - started
    for session in sessions:
        session.close()
    return per_client * CONCURRENCY / seconds


def under_load(stack: Stack, action) -> tuple[int, int, float]:
    """Run ``action`` while keep-alive clients call the gateway: (failed, answered, slowest answer in s)."""
    clients = [LoopingClient(stack.url) for _ in range(LOAD_CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(1)
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    for client in clients:
        client.finish()
    failed = sum(len(client.failures) for client in clients)
    return failed, sum(len(client.answers) for client in clients), seconds


def rows_of_throughput(stack: Stack) -> list[str]:
    rows = []
    for gateways, versions in ((1, 1), (2, 1), (1, 2), (2, 2)):
        scale(stack, "gateway", gateways)
        scale(stack, "ocr-v1", versions)
        rows.append(f"| {gateways} | {versions} | {throughput(stack):.0f} lines/s |")
    return rows


def overhead(stack: Stack) -> tuple[dict, dict]:
    """One v1 replica, keep-alive: via the edge's operator port straight to v1 (one nginx hop) vs the
    clients' port (edge, then a gateway replica), interleaved."""
    direct, via = [], []
    with requests.Session() as direct_session, requests.Session() as gateway_session:
        for _ in range(OVERHEAD_REQUESTS // 10):
            direct += [post(direct_session, f"{stack.backend.service_url('v1')}/ocr") for _ in range(10)]
            via += [post(gateway_session, f"{stack.url}/ocr", **{"X-Model-Version": "v1"}) for _ in range(10)]
    return summary(direct), summary(via)


def propagation(stack: Stack) -> tuple[dict, float]:
    reached = []
    for change in range(CHANGES):
        state, _ = commands.set_canary_weight(stack.backend, stack.store, (change * 37) % 101)
        reached.append(stack.backend.wait_propagated(state.generation) * 1000)
    commands.set_canary_weight(stack.backend, stack.store, 0)
    return summary(reached), max(reached)


def faults(stack: Stack) -> list[str]:
    stack.set_weight(50)
    rows = []

    def rolling_update():
        service = stack.backend.service("ocr-v2")
        before = {task["ID"] for task in stack.backend.running_tasks("ocr-v2")}
        service.force_update()
        wait_for(lambda: not before & {task["ID"] for task in stack.backend.running_tasks("ocr-v2")}
                 and len(stack.backend.running_tasks("ocr-v2")) == 2, 300, "every v2 replica replaced")

    def kill(service):
        def action():
            task = stack.backend.running_tasks(service)[0]
            stack.backend.client.containers.get(task["Status"]["ContainerStatus"]["ContainerID"]).kill()
            wait_for(lambda: task["ID"] not in {t["ID"] for t in stack.backend.running_tasks(service)}
                     and len(stack.backend.running_tasks(service)) == 2, 120, f"{service} replaced")
        return action

    def lose_node():
        run_node_script("stop", "2")
        manager = stack.backend.client.info()["Swarm"]["NodeID"]
        wait_for(lambda: all([task["NodeID"] for task in stack.backend.running_tasks(service)] == [manager] * 3
                             for service in ("ocr-v1", "ocr-v2")), 300, "lost replicas rescheduled")

    for label, action in (("rolling update of v2 (start-first, one replica at a time)", rolling_update),
                          ("one v1 replica killed (until Swarm replaced it)", kill("ocr-v1")),
                          ("one gateway replica killed (until Swarm replaced it)", kill("gateway"))):
        failed, answered, seconds = under_load(stack, action)
        rows.append(f"| {label} | {seconds:.1f} s | {failed} of {answered} |")

    run_node_script("join", "2")
    try:
        for service in ("ocr-v1", "ocr-v2"):  # the third replica goes to the node with none
            stack.backend.scale(service, 3)
        wait_for(lambda: all(len({task["NodeID"] for task in stack.backend.running_tasks(service)}) == 2
                             and len(stack.backend.running_tasks(service)) == 3 for service in ("ocr-v1", "ocr-v2")),
                 300, "a replica of each version on node 2")
        failed, answered, seconds = under_load(stack, lose_node)
        rows.append(f"| node 2 (one of 3 replicas of each version) stopped, until Swarm rescheduled them | "
                    f"{seconds:.1f} s | {failed} of {answered} |")
    finally:
        run_node_script("leave", "2")
    return rows


def section() -> list[str]:
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-swarm-")), mode="swarm")
    state = commands.up(stack.backend, stack.store, ["v1", "v2"], stable="v1")
    stack.backend.propagated(state.generation)
    try:
        throughput_rows = rows_of_throughput(stack)  # ends at 2 gateways x 2 v1 replicas
        scale(stack, "ocr-v1", 1)
        direct, via = overhead(stack)
        scale(stack, "ocr-v1", 2)
        reach, slowest = propagation(stack)
        fault_rows = faults(stack)
    finally:
        stack.backend.stop_all()
    return [
        f"{TITLE} (one manager node in its own network namespace; edge -> gateway replicas -> version replicas)", "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC (`python -m bench.swarm --write` "
        "re-measures this section alone).", "",
        f"Throughput: {THROUGHPUT_REQUESTS} POST /ocr (one line) at concurrency {CONCURRENCY}, keep-alive clients on "
        "the published port, all answered by stable v1:", "",
        "| gateway replicas | v1 replicas | throughput |", "|---|---|---|", *throughput_rows, "",
        f"On {os.cpu_count()} cores one v1 replica's two workers can already keep every core busy: where that is so, "
        "a second replica adds no CPU and the rows differ by noise; the gateway layer costs no measurable "
        "throughput.", "",
        f"Gateway overhead: {OVERHEAD_REQUESTS} POST /ocr each, one v1 replica, interleaved: straight to v1 through "
        "the edge's operator port (one nginx hop) and pinned to v1 through the clients' port (the edge, then a "
        "gateway replica):", "",
        "| path | p50 | p95 |", "|---|---|---|",
        f"| edge -> v1 | {direct['median_ms']} ms | {direct['p95_ms']} ms |",
        f"| edge -> gateway -> v1 | {via['median_ms']} ms | {via['p95_ms']} ms |",
        f"| the gateway's hop | {via['median_ms'] - direct['median_ms']:+.2f} ms | "
        f"{via['p95_ms'] - direct['p95_ms']:+.2f} ms |", "",
        f"Routing state to every gateway replica (2): from the tool's atomic write until both replicas report the "
        f"new generation, {CHANGES} weight changes: p50 **{reach['median_ms']} ms**, p95 {reach['p95_ms']} ms, "
        f"max {slowest:.0f} ms (the bound tests/swarm holds: 1 s).", "",
        f"Faults under load ({LOAD_CLIENTS} keep-alive clients looping POST /ocr, canary v2 at 50%):", "",
        "| fault | lasted | requests failed |", "|---|---|---|", *fault_rows,
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="put the section into BENCHMARKS.md")
    write = parser.parse_args().write
    figures = section()
    print("\n".join(figures))
    if write:
        replace_section(figures)
