"""Docker-mode figures: image sizes, cold start of a version container to ready, memory per container."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import docker
import requests

from canary import commands
from tests.stack import Stack

from .stats import summary

COLD_STARTS = 5


def torch_size_mb() -> float:
    """What torch alone takes installed (the training venv's copy): what a torch-based image would add."""
    import torch

    folder = Path(torch.__file__).parent
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def memory_mb(container) -> float:
    """Resident memory as `docker stats` counts it (usage minus page cache)."""
    stats = container.stats(stream=False)["memory_stats"]
    cache = stats.get("stats", {}).get("total_inactive_file", stats.get("stats", {}).get("cache", 0))
    return (stats["usage"] - cache) / 2**20


def section() -> list[str]:
    client = docker.from_env(version="auto")
    sizes = {name: client.images.get(name).attrs["Size"] / 1e6
             for name in ("ocr-runtime:latest", "ocr-service:v1", "ocr-service:v2", "ocr-gateway:latest")}
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-docker-")), mode="docker")
    commands.up(stack.backend, stack.store, ["v1", "v2"], stable="v1")
    try:
        with requests.Session() as session:  # warm both versions, then let the figures settle
            for version in ("v1", "v2"):
                for _ in range(20):
                    session.get(f"{stack.url}/", headers={"X-Model-Version": version}, timeout=10)
        time.sleep(2)
        memory = {service: memory_mb(stack.backend.container(service)) for service in ("ocr-v1", "ocr-v2", "gateway")}
        cold = []
        container = stack.backend.container("ocr-v2")
        for _ in range(COLD_STARTS):
            container.stop(timeout=12)
            started = time.perf_counter()
            container.start()
            stack.backend.wait_until_ready("v2", 90, "docker logs of ocr-v2", poll_s=0.05)
            cold.append((time.perf_counter() - started) * 1000)
    finally:
        stack.backend.stop_all()
    cold_figures = summary(cold)
    return [
        "## Docker mode: images, cold start, memory", "",
        "| image | size |", "|---|---|",
        *[f"| `{name}` | {size:.0f} MB |" for name, size in sizes.items()],
        f"| (torch alone, installed, for comparison: what a torch-based image would add) | {torch_size_mb():.0f} MB |",
        "",
        f"Cold start of a version container (`docker start` of the stopped v2 container until /readyz answers "
        f"200: gunicorn, 2 workers, model verified and loaded): median {cold_figures['median_ms'] / 1000:.2f} s, "
        f"p95 {cold_figures['p95_ms'] / 1000:.2f} s over {cold_figures['runs']} starts.", "",
        "Memory per container after 20 requests each (usage minus page cache, as `docker stats` shows it):", "",
        "| container | memory |", "|---|---|",
        *[f"| {service} | {mb:.0f} MiB |" for service, mb in memory.items()],
    ]


if __name__ == "__main__":
    print("\n".join(section()), file=sys.stdout)
