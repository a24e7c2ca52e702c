"""Fault injection, a test hook for rollout gates: off unless the service is started with
OCR_FAULT_FILE, a JSON file ({"error_rate": 0.3, "latency_ms": 200}) that the operator (or a test)
writes while the service runs. A client request can neither enable it nor choose the file."""
from __future__ import annotations

import json
import logging
import os
import random
import time

from .errors import ApiError

logger = logging.getLogger(__name__)


class FaultInjector:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None  # (mtime ns, size) of the file last read
        self._faults: dict = {}
        if path:
            logger.warning("fault injection enabled from %s (test hook)", path)

    def _current(self) -> dict:
        try:
            status = os.stat(self.path)
        except OSError:
            return {}
        seen = (status.st_mtime_ns, status.st_size)
        if seen != self._seen:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    self._faults = json.load(handle)
            except (OSError, ValueError):
                self._faults = {}
            self._seen = seen
        return self._faults

    def apply(self) -> None:
        """Sleep and/or fail as the fault file says; nothing when injection is off."""
        if not self.path:
            return
        faults = self._current()
        if faults.get("latency_ms"):
            time.sleep(float(faults["latency_ms"]) / 1000)
        if random.random() < float(faults.get("error_rate", 0)):
            raise ApiError(500, "injected_fault", "fault injected by the test hook (OCR_FAULT_FILE)")
