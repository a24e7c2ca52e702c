"""A real stack through the control tool: local (nginx + njs and one gunicorn per version on loopback),
docker (the compose stack: gateway and version containers) or swarm (the swarm stack: replicas of each);
and a client that keeps calling it."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import requests

from canary import commands
from canary.backends.local import LocalBackend
from canary.state import RoutingState, StateStore
from tests.helpers import ROOT, open_to_workers
from tests.lines import rendered_line
from tests.processes import free_port

LINE_IMAGE = rendered_line("2026-11-24")
BASELINE = RoutingState(stable="v1", canary="v2", canary_weight=0, deployed=("v1", "v2"))


def ephemeral_port_floor() -> int:
    with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as handle:
        return int(handle.read().split()[0])


def free_port_block(size: int = 10) -> int:
    """A base port whose base+1..base+size are all free on loopback, below the ephemeral range: versions
    deployed later in a test bind there, and a port the kernel hands out meanwhile (free_port, a client's
    outgoing connection) would otherwise take one of them (CI: "v4 did not become ready", port in use)."""
    floor = ephemeral_port_floor()
    bases = list(range(floor - 4000, floor - size - 1, 20))
    start = os.getpid() % len(bases)  # parallel test runs start at different blocks
    for base in bases[start:] + bases[:start]:
        sockets = []
        try:
            for offset in range(1, size + 1):
                probe = socket.socket()
                sockets.append(probe)
                probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for probe in sockets:
                probe.close()
    raise RuntimeError("no free port block")


class Stack:
    def __init__(self, run_dir: Path, mode: str = "local", services_dir: Path = ROOT / "services"):
        open_to_workers(run_dir)
        self.store = StateStore(run_dir / "state")
        listen = f"127.0.0.1:{free_port()}"
        self.env = {**os.environ, "CANARY_RUN_DIR": str(run_dir), "GATEWAY_LISTEN": listen, "CANARY_MODE": mode,
                    "CANARY_SERVICES_DIR": str(services_dir), "PYTHONPATH": str(ROOT)}
        if mode == "swarm":
            from canary.backends.swarm import SwarmBackend

            self.backend = SwarmBackend(run_dir, gateway_listen=listen, state_path=self.store.state_path,
                                        services_dir=services_dir)
        elif mode == "docker":
            from canary.backends.docker import DockerBackend

            project = f"ocrtest{os.getpid()}"
            self.backend = DockerBackend(run_dir, project=project, gateway_publish=listen,
                                         state_path=self.store.state_path, services_dir=services_dir)
            self.env["CANARY_PROJECT"] = project
        else:
            self.backend = LocalBackend(run_dir, gateway_listen=listen, service_port_base=free_port_block(),
                                        state_path=self.store.state_path, services_dir=services_dir)
            self.env["SERVICE_PORT_BASE"] = str(self.backend.service_port_base)
        self.url = f"http://{listen}"

    @classmethod
    @contextlib.contextmanager
    def running(cls, run_dir: Path, mode: str, services_dir: Path):
        """A stack started with v1 and v2 (stable v1), stopped at the end whatever happened."""
        stack = cls(run_dir, mode=mode, services_dir=services_dir)
        try:
            state = commands.up(stack.backend, stack.store, list(BASELINE.deployed), stable=BASELINE.stable)
            stack.backend.propagated(state.generation)
            yield stack
        finally:
            stack.backend.stop_all()

    def reset_to_baseline(self) -> None:
        """Stable v1, canary v2 at 0%, no shadow, both versions up: where every stack test starts."""
        for version in BASELINE.deployed:
            if not self.backend.health(version).ready:
                self.backend.start_version(version)
        with self.store.locked():
            current = self.store.read()
            if replace(current, generation=0) != BASELINE:
                state = self.store.write(BASELINE, "test-reset")
                self.backend.propagated(state.generation)  # swarm: every gateway replica holds it

    def cli(self, *arguments) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "canary", *arguments], env=self.env, capture_output=True,
                              text=True, timeout=120, cwd=ROOT)

    def commands(self, *steps: list[str]) -> None:
        """Each step through the tool's CLI, as an operator types it; each must succeed."""
        for step in steps:
            completed = self.cli(*step)
            assert completed.returncode == 0, (step, completed.stderr)

    def set_weight(self, weight: int) -> None:
        state, _ = commands.set_canary_weight(self.backend, self.store, weight)
        self.backend.propagated(state.generation)

    def answered_by(self, session: requests.Session, count: int, **headers) -> list[str]:
        return [session.get(f"{self.url}/", headers=headers, timeout=10).headers["X-Model-Version"]
                for _ in range(count)]


class LoopingClient(threading.Thread):
    """One keep-alive client POSTing /ocr until stopped (bounded by max_requests)."""

    def __init__(self, url, max_requests=20000, **headers):
        super().__init__(daemon=True)
        self.url, self.max_requests, self.headers = url, max_requests, headers
        self.stop_event = threading.Event()
        self.answers, self.failures = [], []

    def run(self):
        with requests.Session() as session:
            while not self.stop_event.is_set() and len(self.answers) < self.max_requests:
                try:
                    response = session.post(f"{self.url}/ocr", data=LINE_IMAGE, timeout=10,
                                            headers={"Content-Type": "image/png", **self.headers})
                    if response.status_code != 200:
                        self.failures.append((response.status_code, response.text[:200]))
                    self.answers.append(response.headers.get("X-Model-Version"))
                except requests.RequestException as error:
                    self.failures.append(("connection", repr(error)))

    def finish(self):
        self.stop_event.set()
        self.join(timeout=30)
        return self
