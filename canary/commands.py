"""The control tool's commands; each takes a backend and the state store, and returns what it did."""
from __future__ import annotations

import time
from dataclasses import replace

import requests

from .backends.base import Backend
from .errors import CanaryError, UnsafeMove
from .gateway_view import empty_figures, gateway_view
from .state import RoutingState, StateStore


def require_ready(backend: Backend, version: str, force: bool) -> None:
    """Refuse to send traffic to a version that does not answer /readyz, unless forced."""
    if force:
        return
    health = backend.health(version)
    if not health.ready:
        raise UnsafeMove(f"{version} is not ready ({health.detail or 'no answer'}); refusing to send it traffic "
                         "(use --force to override)")


def up(backend: Backend, store: StateStore, versions: list[str], stable: str) -> RoutingState:
    for version in versions:
        backend.start_version(version)
    with store.locked():
        if store.exists():
            state = store.read()
            candidate = replace(state, deployed=tuple(sorted(set(state.deployed) | set(versions))))
        else:
            canary = next((v for v in versions if v != stable), None)
            state = None
            candidate = RoutingState(stable=stable, canary=canary, canary_weight=0, deployed=tuple(sorted(versions)))
        candidate.validate()
        backend.ensure_gateway()
        if candidate != state:
            state = store.write(candidate, "deploy" if state else "init", versions=versions)
    return state


def set_canary_weight(backend: Backend, store: StateStore, weight: int, version: str | None = None,
                      force: bool = False) -> tuple[RoutingState, float]:
    """Move the canary weight (and optionally choose the canary). Returns the new state and seconds taken."""
    started = time.perf_counter()
    with store.locked():
        state = store.read()
        canary = version or state.canary
        if canary is None:
            raise UnsafeMove("no canary version: name one (canary WEIGHT --version vN)")
        candidate = replace(state, canary=canary, canary_weight=weight).validate()  # unknown names first
        if weight > 0:
            require_ready(backend, canary, force)
        new_state = store.write(candidate, "canary", weight=weight)
    return new_state, time.perf_counter() - started


def without_stale_shadow(state: RoutingState) -> RoutingState:
    """A shadow that became stable (promote, rollback) or left the topology (retire) stops shadowing."""
    if state.shadow is not None and (state.shadow == state.stable or state.shadow not in state.deployed):
        return replace(state, shadow=None)
    return state


def shadow(backend: Backend, store: StateStore, version: str | None) -> RoutingState:
    """Mirror a copy of stable's traffic to ``version`` (None: stop). Clients never see its answers."""
    with store.locked():
        state = store.read()
        candidate = replace(state, shadow=version).validate()
        if version is not None:
            require_ready(backend, version, force=False)
        return store.write(candidate, "shadow", version=version)


def promote(backend: Backend, store: StateStore, force: bool = False) -> RoutingState:
    """The canary becomes stable at 100%; the old stable stays deployed as the canary at weight 0."""
    with store.locked():
        state = store.read()
        if state.canary is None:
            raise UnsafeMove("nothing to promote: there is no canary")
        require_ready(backend, state.canary, force)
        return store.write(without_stale_shadow(replace(state, stable=state.canary, canary=state.stable,
                                                        canary_weight=0)), "promote",
                           promoted=state.canary, previous_stable=state.stable)


def rollback(backend: Backend, store: StateStore, force: bool = False) -> tuple[RoutingState, float]:
    """Back to the last known-good state: canary weight 0 during a canary, the previous stable after a promote."""
    started = time.perf_counter()
    with store.locked():
        state = store.read()
        if state.canary and state.canary_weight > 0:
            new_state = store.write(replace(state, canary_weight=0), "rollback", reason="canary weight to 0")
        else:
            promotions = [entry for entry in store.history() if entry["action"] == "promote"]
            if not promotions or promotions[-1]["after"]["stable"] != state.stable:
                raise CanaryError("nothing to roll back: no canary traffic and no promotion to undo")
            previous = promotions[-1]["previous_stable"]
            if previous not in state.deployed:
                raise UnsafeMove(f"the previous stable {previous} is no longer deployed")
            require_ready(backend, previous, force)
            new_state = store.write(without_stale_shadow(replace(state, stable=previous, canary=state.stable,
                                                                 canary_weight=0)),
                                    "rollback", reason=f"undo promotion of {state.stable}")
    return new_state, time.perf_counter() - started


def deploy(backend: Backend, store: StateStore, version: str) -> RoutingState:
    """Start a version, gate on readiness, add it to the routing state (the gateway finds it by its name)."""
    backend.start_version(version)
    require_ready(backend, version, force=False)
    with store.locked():
        state = store.read()
        if version in state.deployed:
            return state
        candidate = replace(state, deployed=tuple(sorted(state.deployed + (version,)))).validate()
        backend.ensure_gateway()
        return store.write(candidate, "deploy", version=version)


def retire(backend: Backend, store: StateStore, version: str) -> RoutingState:
    """Take a version out of the routing state, then stop its service; never one taking traffic."""
    with store.locked():
        state = store.read()
        if version not in state.deployed:
            raise UnsafeMove(f"unknown version {version!r}; deployed: {', '.join(state.deployed)}")
        if version == state.stable:
            raise UnsafeMove(f"{version} is the stable version; promote another one first")
        if version == state.canary and state.canary_weight > 0:
            raise UnsafeMove(f"{version} takes {state.canary_weight}% of traffic; roll back first")
        canary = None if version == state.canary else state.canary
        new_state = store.write(without_stale_shadow(replace(
            state, canary=canary, canary_weight=state.canary_weight if canary else 0,
            deployed=tuple(v for v in state.deployed if v != version))), "retire", version=version)
    backend.propagated(new_state.generation)  # every gateway replica has let go of it (swarm) before it stops
    backend.stop_version(version)
    return new_state


GATEWAY_VIEW_S = 60.0


def status(backend: Backend, store: StateStore, sample_s: float = 1.0) -> dict:
    """The routing state and, per deployed version, its role, weight, health and live figures; the request
    rates are measured over ``sample_s`` seconds between two scrapes. The figures are those the rollout gates
    judge (routed traffic, client errors left out); pinned traffic has its own rate."""
    state = store.read()
    first = {version: _scrape_or_error(backend, version) for version in state.deployed}
    started = time.monotonic()
    time.sleep(sample_s)
    seen_by_gateway = gateway_view(backend.gateway_log(GATEWAY_VIEW_S), time.time(), GATEWAY_VIEW_S)
    versions = {}
    for version in state.deployed:
        health = backend.health(version)
        entry = {"role": role_of(state, version), "weight": weight_of(state, version), "alive": health.alive,
                 "ready": health.ready, "address": health.address,
                 "gateway": seen_by_gateway.get(version, empty_figures())}
        figures = _scrape_or_error(backend, version)
        if isinstance(figures, str) or isinstance(first[version], str):
            entry["metrics_error"] = figures if isinstance(figures, str) else first[version]
        else:
            p50, p95 = figures.latency_quantile(0.5), figures.latency_quantile(0.95)
            seconds = time.monotonic() - started
            entry.update(requests=int(figures.requests), pinned_requests=int(figures.pinned_requests),
                         requests_per_s=(figures.requests - first[version].requests) / seconds,
                         pinned_per_s=(figures.pinned_requests - first[version].pinned_requests) / seconds,
                         error_rate=figures.error_rate, p50_ms=p50 * 1000 if p50 is not None else None,
                         p95_ms=p95 * 1000 if p95 is not None else None, mean_confidence=figures.mean_confidence)
        versions[version] = entry
    recorded = backend.recorded_rates()
    if recorded is not None:  # a metrics server's rates over a minute, of every replica, beat a 1 s sample
        for version, entry in versions.items():
            if "metrics_error" not in entry:
                entry.update({"requests_per_s": 0.0, "pinned_per_s": 0.0, **recorded.get(version, {}),
                              "rates_over": "1 min (Prometheus)"})
    return {"state": state.to_json(), "versions": versions}


def _scrape_or_error(backend: Backend, version: str):
    """The version's figures, or the name of the error that kept them away."""
    try:
        return backend.scrape(version)
    except requests.RequestException as error:
        return type(error).__name__


def role_of(state: RoutingState, version: str) -> str:
    return {state.stable: "stable", state.canary: "canary", state.shadow: "shadow"}.get(version, "deployed")


def weight_of(state: RoutingState, version: str) -> int:
    """The share of unpinned traffic the version gets, in percent."""
    if version == state.stable:
        return 100 - (state.canary_weight if state.canary else 0)
    return state.canary_weight if version == state.canary else 0


def rates_note(report: dict) -> list[str]:
    over = {entry.get("rates_over") for entry in report["versions"].values()} - {None}
    return [f"(req/s, pinned/s: over the last {', '.join(sorted(over))}, every replica)"] if over else []


def status_table(report: dict) -> str:
    """The status report for people: one row per version, figures rounded."""
    def number(value, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    rows = [("version", "role", "weight", "ready", "req/s", "pinned/s", "errors", "p50 ms", "p95 ms", "confidence",
             "gw fails", "routed around")]
    for version, entry in report["versions"].items():
        gateway = entry["gateway"]
        rows.append((version, entry["role"], f"{entry['weight']}%", "yes" if entry["ready"] else "NO",
                     number(entry.get("requests_per_s"), ".1f"), number(entry.get("pinned_per_s"), ".1f"),
                     number(entry.get("error_rate"), ".1%"),
                     number(entry.get("p50_ms"), ".0f"), number(entry.get("p95_ms"), ".0f"),
                     number(entry.get("mean_confidence"), ".3f"), str(gateway["upstream_failures"]),
                     str(gateway["routed_around"])))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    state = report["state"]
    shadow = f", shadow {state['shadow']}" if state.get("shadow") else ""
    return "\n".join([f"stable {state['stable']}, canary {state['canary'] or '-'} at {state['canary_weight']}%{shadow}",
                      *lines, *rates_note(report),
                      f"(gw: the gateway's access log over the last {GATEWAY_VIEW_S:.0f} s: attempts that "
                              "failed before a service answered, and requests routed around an ejected version)"])
