"""Start and stop real gunicorn processes serving the committed version folders on loopback."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.helpers import ROOT, version_dir

GUNICORN_CONF = ROOT / "shared" / "preprocess" / "ocr" / "service" / "gunicorn_conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningService:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()


def start_service(version: str, tmp_dir: Path, **environment) -> RunningService:
    port = free_port()
    log_path = tmp_dir / f"gunicorn-{version}-{port}.log"
    env = {**os.environ, "OCR_VERSION_DIR": str(version_dir(version)), "GUNICORN_BIND": f"127.0.0.1:{port}",
           "PYTHONPATH": str(ROOT), **environment}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "ocr.service.wsgi:app"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {log_path.read_text()}")
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return RunningService(url, process, log_path)
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    stop_service(process)
    raise RuntimeError(f"gunicorn for {version} not ready within 60 s: {log_path.read_text()}")


def stop_service(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
