"""`canary dashboard`: a live page for people watching a rollout (bound to 127.0.0.1 by default).

A sampler scrapes every deployed version's /metrics each interval and keeps the per-interval figures
(request rate, error rate, p50/p95, mean confidence) of the last samples; the page polls /api/snapshot
and draws them, with the split, the rollout step and its decisions, and the change history.
"""
from __future__ import annotations

import collections
import threading
import time
from pathlib import Path

import requests
from flask import Flask, jsonify, send_file

from .backends.base import Backend
from .metrics import VersionFigures
from .rollout import RolloutStore
from .state import StateStore

PAGE = Path(__file__).parent / "static" / "dashboard.html"
KEPT_SAMPLES = 300


def interval_figures(now: VersionFigures, before: VersionFigures | None, seconds: float) -> dict:
    window = now.since(before) if before else None
    if window is None or seconds <= 0:
        return {"rate": None, "error_rate": None, "p50_ms": None, "p95_ms": None, "mean_confidence": None}

    def ms(quantile):
        value = window.latency_quantile(quantile)
        return round(value * 1000, 1) if value is not None else None
    return {"rate": round(window.requests / seconds, 2), "error_rate": window.error_rate, "p50_ms": ms(0.5),
            "p95_ms": ms(0.95), "mean_confidence": window.mean_confidence}


class Sampler(threading.Thread):
    def __init__(self, backend: Backend, store: StateStore, interval_s: float = 2.0) -> None:
        super().__init__(daemon=True, name="dashboard-sampler")
        self.backend, self.store, self.interval_s = backend, store, interval_s
        self.samples: collections.deque = collections.deque(maxlen=KEPT_SAMPLES)
        self._previous: dict[str, tuple[float, VersionFigures]] = {}
        self._stop = threading.Event()

    def sample_once(self) -> None:
        state = self.store.read()
        now = time.time()
        versions = {}
        for version in state.deployed:
            entry = {"ready": False}
            try:
                figures = self.backend.scrape(version, timeout=1)
                before = self._previous.get(version)
                entry = {"ready": True, **interval_figures(figures, before[1] if before else None,
                                                          now - before[0] if before else 0)}
                self._previous[version] = (now, figures)
            except (requests.RequestException, Exception):  # noqa: BLE001 - a down version is data here
                self._previous.pop(version, None)
            versions[version] = entry
        self.samples.append({"time": now, "stable": state.stable, "canary": state.canary,
                             "canary_weight": state.canary_weight, "versions": versions})

    def run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.sample_once()
            except Exception:  # noqa: BLE001 - keep sampling; the page shows the gap
                pass
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def stop(self) -> None:
        self._stop.set()


def create_app(backend: Backend, store: StateStore, sampler: Sampler) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False

    @app.get("/")
    def page():
        return send_file(PAGE, mimetype="text/html")

    @app.get("/api/snapshot")
    def snapshot():
        progress = RolloutStore(store).read()
        rollout = None
        if progress is not None:
            rollout = {**progress.to_json(), "decisions": list(progress.decisions[-20:])}
            rollout.pop("window_start")
        return jsonify({"state": store.read().to_json(), "samples": list(sampler.samples),
                        "rollout": rollout, "history": store.history()[-15:]})

    return app
