"""The gateway's own view of each version, from its JSON access log: what clients got, and the failures
that never reached a service (a refused connection, a timeout), which the services' /metrics cannot count."""
from __future__ import annotations

import datetime
import json

UPSTREAM_FAILURES = ("502", "503", "504")


def first_attempt(entry: dict) -> str:
    """The status of the first upstream attempt ("504, 200": the chosen version timed out, the other answered)."""
    return entry.get("upstream_status", "").replace(":", ",").split(",")[0].strip()


def empty_figures() -> dict:
    """A version the log says nothing about (also what gateway_view starts each version from)."""
    return {"requests": 0, "client_5xx": 0, "upstream_failures": 0, "routed_around": 0, "mirrored": 0,
            "upstream_p95_ms": None}


def gateway_view(lines: list[str], now: float, seconds: float) -> dict[str, dict]:
    """Per version, over the last ``seconds``: requests it was chosen for (unpinned and pinned), answers that
    reached clients as 5xx, attempts that failed at the gateway (refused, timed out, unready), requests routed
    around it while it was ejected, and the p95 of its upstream time."""
    since = now - seconds
    view: dict[str, dict] = {}

    def of(version: str) -> dict:
        return view.setdefault(version, {**empty_figures(), "upstream_ms": []})

    for line in lines:
        try:
            entry = json.loads(line)
            moment = datetime.datetime.fromisoformat(entry["time"]).timestamp()
        except (ValueError, KeyError, TypeError):
            continue  # nginx's own error lines share stderr in docker mode
        if moment < since or entry.get("chosen") in (None, "", "none"):
            continue
        figures = of(entry["chosen"])
        if entry.get("route") == "shadow":
            figures["mirrored"] += 1
        else:
            figures["requests"] += 1
            figures["client_5xx"] += int(500 <= int(entry.get("status", 0)) < 600)
        if first_attempt(entry) in UPSTREAM_FAILURES:
            figures["upstream_failures"] += 1
        elif first_attempt(entry).isdigit():
            time_s = entry.get("upstream_time", "").replace(":", ",").split(",")[0].strip()
            if time_s.replace(".", "").isdigit():
                figures["upstream_ms"].append(float(time_s) * 1000)
        if entry.get("avoided"):
            of(entry["avoided"])["routed_around"] += 1
    for figures in view.values():
        times = sorted(figures.pop("upstream_ms"))
        figures["upstream_p95_ms"] = round(times[min(len(times) - 1, int(0.95 * len(times)))], 1) if times else None
    return view
