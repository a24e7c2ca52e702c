"""`make bench`: measure and write BENCHMARKS.md (date, machine, figures). Run with nothing else busy."""
from __future__ import annotations

import argparse
import datetime
import os
import platform
from pathlib import Path

from canary.backends.docker import engine_reachable

from . import (docker_stack, gateway, line_peers, model_latency, pages, reliability, service_latency, swarm,
               training_step)
from .report import replace_section

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


# The sections that run without the engine, by name: `python -m bench.run --only line_peers,pages` re-measures
# them alone and puts them in place in BENCHMARKS.md.
LOCAL_SECTIONS = {"model_latency": model_latency.section, "line_peers": line_peers.section, "pages": pages.section,
                  "service_latency": service_latency.section, "gateway": lambda: gateway.section("local"),
                  "reliability": reliability.section, "training_step": training_step.section}


def measure_alone(names: list[str]) -> None:
    for name in names:
        lines = LOCAL_SECTIONS[name]()
        stamp = (f"Re-measured alone {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()} "
                 f"(`python -m bench.run --only {name}`).")
        replace_section([lines[0], "", stamp, *lines[1:]])
        print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help=f"re-measure these sections alone: {', '.join(LOCAL_SECTIONS)}")
    only = parser.parse_args().only
    if only:
        measure_alone(only.split(","))
        return
    lines = ["# Benchmarks", "",
             f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
             "Re-run with `make bench` (it rewrites this file). The machine is shared: compare figures from one run. A "
             "section that says \"Re-measured alone\" was measured later, on the machine it names: compare figures "
             "within a section.",
             ""]
    sections = list(LOCAL_SECTIONS.values())
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
