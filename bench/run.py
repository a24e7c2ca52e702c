"""`make bench`: measure and write BENCHMARKS.md (date, machine, figures). Run with nothing else busy."""
from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

from canary.backends.docker import engine_reachable

from . import docker_stack, gateway, line_peers, model_latency, pages, reliability, service_latency, swarm

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def main() -> None:
    lines = ["# Benchmarks", "",
             f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
             "Re-run with `make bench` (it rewrites this file). The machine is shared: compare figures from one run.",
             ""]
    sections = [model_latency.section, line_peers.section, pages.section, service_latency.section,
                lambda: gateway.section("local"), reliability.section]
    if engine_reachable():
        sections += [docker_stack.section, lambda: gateway.section("docker"), swarm.section]
    else:
        lines += ["(Docker figures left out: no engine answered; `make images` starts one.)", ""]
    for section in sections:
        lines += section() + [""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
