"""What a deployment backend does; everything else in the tool is backend-free."""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..errors import CanaryError
from ..metrics import VersionFigures, scrape


@dataclass(frozen=True)
class VersionHealth:
    version: str
    address: str
    alive: bool
    ready: bool
    detail: str = ""


class Backend(ABC):
    """Starts, stops and probes version services and the gateway."""

    @abstractmethod
    def start_version(self, version: str) -> None:
        """Start the version's service and wait until it is ready. Raises CanaryError if it is not."""

    @abstractmethod
    def stop_version(self, version: str) -> None:
        """Stop the version's service (graceful)."""

    @abstractmethod
    def health(self, version: str) -> VersionHealth:
        """Probe /healthz and /readyz of the version's service."""

    def wait_until_ready(self, version: str, timeout_s: float, where_to_look: str, poll_s: float = 0.2) -> None:
        """Poll the version's health until it is ready; CanaryError naming where its logs are if not."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.health(version).ready:
                return
            time.sleep(poll_s)
        raise CanaryError(f"{version} did not become ready in {timeout_s} s: {where_to_look}")

    @abstractmethod
    def service_url(self, version: str) -> str:
        """Base URL of the version's service, for the tool's own probes and /metrics scrapes."""

    def scrape(self, version: str, timeout: float = 2.0) -> VersionFigures:
        """The version's figures now (every replica's, where it has several). Raises requests.RequestException."""
        return scrape(self.service_url(version), timeout)

    def recorded_rates(self) -> dict[str, dict[str, float]] | None:
        """Per version, request rates a metrics server recorded over the last minute (requests_per_s,
        pinned_per_s), where one runs; None: status measures them between two scrapes."""
        return None

    def propagated(self, generation: int) -> str | None:
        """Wait until every gateway routes by ``generation`` (where several follow one state); says how long."""
        return None

    @abstractmethod
    def version_log(self, version: str) -> str:
        """What the version's service printed (its JSON inference lines among them), oldest first."""

    @abstractmethod
    def gateway_log(self, seconds: float) -> list[str]:
        """The gateway's access-log lines (JSON) of about the last ``seconds``, oldest first."""

    @abstractmethod
    def ensure_gateway(self) -> None:
        """Start the gateway if it is not running. Its config names no version (routing.js finds each from its
        name, per request): deploying or retiring one changes only the routing state, never reloads nginx."""

    @abstractmethod
    def stop_all(self) -> None:
        """Stop the gateway and every version service."""
