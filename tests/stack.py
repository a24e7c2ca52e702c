"""A real stack on loopback: nginx + njs and one gunicorn per version, via the control tool's local backend."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import requests

from canary import commands
from canary.backends.local import LocalBackend
from canary.state import StateStore
from tests.helpers import ROOT
from tests.processes import free_port


def free_port_block(size: int = 10) -> int:
    """A base port whose base+1..base+size are all free on loopback."""
    for base in range(31000 + (os.getpid() % 200) * 20, 60000, 20):
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
    def __init__(self, run_dir):
        self.store = StateStore(run_dir / "state")
        self.backend = LocalBackend(run_dir, gateway_listen=f"127.0.0.1:{free_port()}",
                                    service_port_base=free_port_block(), state_path=self.store.state_path)
        self.url = f"http://{self.backend.gateway_listen}"
        self.env = {**os.environ, "CANARY_RUN_DIR": str(run_dir), "GATEWAY_LISTEN": self.backend.gateway_listen,
                    "SERVICE_PORT_BASE": str(self.backend.service_port_base), "PYTHONPATH": str(ROOT)}

    def cli(self, *arguments) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "canary", *arguments], env=self.env, capture_output=True,
                              text=True, timeout=120, cwd=ROOT)

    def set_weight(self, weight: int) -> None:
        commands.set_canary_weight(self.backend, self.store, weight)

    def answered_by(self, session: requests.Session, count: int, **headers) -> list[str]:
        return [session.get(f"{self.url}/", headers=headers, timeout=10).headers["X-Model-Version"]
                for _ in range(count)]
