"""Local backend: one gunicorn per version and nginx, as processes on loopback, under .run/.

Run as root, the masters (which bind the ports and read the config) stay root and every worker, the code
that reads client data, runs as SERVICE_USER."""
from __future__ import annotations

import grp
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from ..errors import CanaryError
from ..gateway_config import GatewayLayout, render
from .base import Backend, VersionHealth

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN_CONF = ROOT / "shared" / "preprocess" / "ocr" / "service" / "gunicorn_conf.py"
READY_TIMEOUT_S = 60
SERVICE_USER = "ocr-canary"


def version_port(version: str, base: int) -> int:
    return base + int(version[1:])


def pid_alive(pid_file: Path, program: str = "") -> int | None:
    """The pid a pid file names, when that process runs and (given ``program``) is that program: a zombie, or
    a pid another program has reused since (a stale file), counts as gone, so it is never signalled."""
    try:
        pid = int(pid_file.read_text().strip())
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return None
    if state == "Z" or program not in command:
        return None
    return pid


def service_user() -> pwd.struct_passwd | None:
    """Who the gateway's and the services' workers run as when the tool runs as root: SERVICE_USER (created
    by deploy/host-packages.sh), never root. None when the tool is not root (they run as its user)."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise CanaryError(f"no user {SERVICE_USER} for the workers: `make up` creates it "
                          "(deploy/host-packages.sh stack)") from None
    private = next((folder for folder in Path(sys.base_prefix).resolve().parents
                    if not folder.stat().st_mode & 0o001), None)
    if private is not None:
        raise CanaryError(f"the Python at {sys.base_prefix} is inside {private}, which {SERVICE_USER} cannot enter: "
                          "build .venv on Debian's python3 (make does: PYTHON=/usr/bin/python3)")
    return user


def child_pids(parent: int) -> set[int]:
    """Children of a process, read from /proc (gunicorn's or nginx's workers)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.add(int(stat.parent.name))
    return children


def reload_gracefully(master: int, send_hangup) -> None:
    """Only a changed config (a new release of the tool) reloads the gateway. Returns once the old workers
    have finished what they were answering."""
    old_workers = child_pids(master)
    send_hangup()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and old_workers & child_pids(master):
        time.sleep(0.05)


class LocalBackend(Backend):
    def __init__(self, run_dir: Path, gateway_listen: str = "127.0.0.1:8080", service_port_base: int = 8000,
                 state_path: Path | None = None, services_dir: Path = ROOT / "services",
                 version_env: dict[str, dict[str, str]] | None = None) -> None:
        self.run_dir = run_dir.resolve()
        self.services_dir = services_dir
        self.version_env = version_env or {}  # extra environment per version (e.g. the fault-injection hook)
        self.gateway_listen = gateway_listen
        self.service_port_base = service_port_base
        self.state_path = state_path or self.run_dir / "state" / "routing.json"

    # --- versions ----------------------------------------------------------------------------
    def _pid_file(self, version: str) -> Path:
        return self.run_dir / f"ocr-{version}.pid"

    def service_url(self, version: str) -> str:
        return f"http://127.0.0.1:{version_port(version, self.service_port_base)}"

    def start_version(self, version: str) -> None:
        version_dir = self.services_dir / f"ocr-{version}"
        if not (version_dir / "manifest.json").exists():
            raise CanaryError(f"no version folder {version_dir}")
        if pid_alive(self._pid_file(version), "gunicorn") is None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, "OCR_VERSION_DIR": str(version_dir), "PYTHONPATH": str(ROOT),
                   "GUNICORN_BIND": f"127.0.0.1:{version_port(version, self.service_port_base)}",
                   **self.version_env.get(version, {})}
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            user = service_user()
            privileges = ["--user", str(user.pw_uid), "--group", str(user.pw_gid)] if user else []
            # gunicorn daemonises itself; its workers' stdout (the JSON inference log) goes to the log file.
            subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--daemon", "--capture-output",
                            *privileges, "--error-logfile", str(self.run_dir / f"ocr-{version}.log"),
                            "--pid", str(self._pid_file(version)), "ocr.service.wsgi:app"],
                           env=env, cwd=ROOT, check=True, timeout=30)
        self.wait_until_ready(version, READY_TIMEOUT_S, f"see {self.run_dir}/ocr-{version}.log")

    def stop_version(self, version: str) -> None:
        pid = pid_alive(self._pid_file(version), "gunicorn")
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and pid_alive(self._pid_file(version), "gunicorn") == pid:
            time.sleep(0.1)

    def health(self, version: str) -> VersionHealth:
        url = self.service_url(version)
        try:
            alive = requests.get(f"{url}/healthz", timeout=1).status_code == 200
            ready_response = requests.get(f"{url}/readyz", timeout=1)
            return VersionHealth(version, url, alive, ready_response.status_code == 200,
                                 ready_response.json().get("status", ""))
        except requests.RequestException as error:
            return VersionHealth(version, url, False, False, type(error).__name__)

    def version_log(self, version: str) -> str:
        path = self.run_dir / f"ocr-{version}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # --- gateway -----------------------------------------------------------------------------
    def gateway_log(self, seconds: float, tail_bytes: int = 4 << 20) -> list[str]:
        """The tail of the access log (lines are filtered by time by the reader: gateway_view)."""
        path = self._gateway_dir / "access.log"
        if not path.exists():
            return []
        with open(path, "rb") as log:
            log.seek(max(0, path.stat().st_size - tail_bytes))
            lines = log.read().decode("utf-8", errors="replace").splitlines()
        return lines[1:] if path.stat().st_size > tail_bytes else lines  # the first may be cut

    @property
    def _gateway_dir(self) -> Path:
        return self.run_dir / "gateway"

    def ensure_gateway(self) -> None:
        self._gateway_dir.mkdir(parents=True, exist_ok=True)
        config_path = self._gateway_dir / "nginx.conf"
        temporary = config_path.with_suffix(".tmp")
        # The workers write only in their own folder (not beside the config the root master reads).
        worker_dir = self._gateway_dir / "worker"
        worker_dir.mkdir(exist_ok=True)
        user = service_user()
        if user is not None:
            os.chown(worker_dir, user.pw_uid, user.pw_gid)
        layout = GatewayLayout(listen=self.gateway_listen, run_dir=self._gateway_dir, state_path=self.state_path,
                               address_pattern="127.0.0.1:{port}", port_base=self.service_port_base,
                               user=f"{user.pw_name} {grp.getgrgid(user.pw_gid).gr_name}" if user else "",
                               worker_dir=worker_dir)
        config = render(layout)
        pid = pid_alive(self._gateway_dir / "nginx.pid", "nginx")
        if pid is not None and config_path.exists() and config_path.read_text() == config:
            return
        temporary.write_text(config)
        check = subprocess.run(["nginx", "-t", "-q", "-c", str(temporary)], capture_output=True, text=True)
        if check.returncode != 0:
            raise CanaryError(f"rendered gateway config is invalid: {check.stderr.strip()}")
        os.replace(temporary, config_path)
        if pid is None:
            started = subprocess.run(["nginx", "-c", str(config_path)], capture_output=True, text=True)
            if started.returncode != 0:
                raise CanaryError(f"nginx did not start: {started.stderr.strip()}")
        else:
            reload_gracefully(pid, lambda: os.kill(pid, signal.SIGHUP))

    def gateway_running(self) -> bool:
        return pid_alive(self._gateway_dir / "nginx.pid", "nginx") is not None

    def stop_all(self) -> None:
        pid = pid_alive(self._gateway_dir / "nginx.pid", "nginx")
        if pid is not None:
            os.kill(pid, signal.SIGQUIT)
        for pid_file in self.run_dir.glob("ocr-v*.pid"):
            self.stop_version(pid_file.stem.removeprefix("ocr-"))
