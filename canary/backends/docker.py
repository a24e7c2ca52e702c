"""Docker backend: the compose stack in deploy/docker-compose.yml, driven through the docker SDK.

Compose owns what a container looks like (one definition per version; a version that is not in the
file, e.g. a new v3, gets an `extends` entry in the run folder's compose.versions.yml). The SDK finds
containers by their compose labels, reads health and stops versions. The gateway's config names no
version (it finds each by its container name, per request), so versions come and go without a reload.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import docker
import requests
from docker.errors import DockerException

from ..errors import CanaryError
from ..gateway_config import DOCKER_DNS, GatewayLayout, render
from .base import Backend, VersionHealth
from .local import reload_gracefully

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
VERSION_DOCKERFILE = ROOT / "deploy" / "version.Dockerfile"
SERVICE_PORT = 8000
READY_TIMEOUT_S = 90
MOUNT = Path("/ocr")  # where the gateway sees the run folder


def engine_reachable() -> bool:
    try:
        docker.from_env(version="auto", timeout=3).ping()
        return True
    except DockerException:
        return False


def build_version_image(client: docker.DockerClient, services_dir: Path, version: str) -> None:
    """ocr-service:<version> = the runtime image + the version folder (cached: seconds when unchanged)."""
    folder = services_dir / f"ocr-{version}"
    if not (folder / "manifest.json").exists():
        raise CanaryError(f"no version folder {folder}")
    try:
        client.images.build(path=str(folder), dockerfile=str(VERSION_DOCKERFILE), tag=f"ocr-service:{version}",
                            buildargs={"VERSION": version}, rm=True)
    except DockerException as error:
        raise CanaryError(f"building ocr-service:{version} failed: {error} (make images builds the runtime)")


def compose_command() -> list[str]:
    """Compose v2 (`docker compose`) where present, else Debian's docker-compose 1.29."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise CanaryError("neither `docker compose` nor `docker-compose` is installed (make deps)")


class DockerBackend(Backend):
    def __init__(self, run_dir: Path, project: str = "ocrcanary", gateway_publish: str = "127.0.0.1:8080",
                 services_dir: Path = ROOT / "services", state_path: Path | None = None) -> None:
        self.run_dir = run_dir.resolve()
        self.project = project
        self.gateway_listen = gateway_publish
        self.services_dir = services_dir
        self.state_path = state_path or self.run_dir / "state" / "routing.json"
        self.client = docker.from_env(version="auto")

    # --- compose -----------------------------------------------------------------------------
    @property
    def _extra_versions_file(self) -> Path:
        return self.run_dir / "compose.versions.yml"

    @staticmethod
    def _services_in(path: Path) -> set[str]:
        """Version services a compose file names (their keys sit at two spaces: `  ocr-vN:`)."""
        if not path.exists():
            return set()
        return {line.strip().rstrip(":") for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("  ocr-v")}

    def _compose(self, *args: str) -> None:
        files = ["-f", str(COMPOSE_FILE)]
        if self._extra_versions_file.exists():
            files += ["-f", str(self._extra_versions_file)]
        env = {**os.environ, "OCR_RUN_DIR": str(self.run_dir), "GATEWAY_PUBLISH": self.gateway_listen}
        result = subprocess.run([*compose_command(), "-p", self.project, *files, *args], env=env,
                                capture_output=True, text=True, cwd=COMPOSE_FILE.parent)
        if result.returncode != 0:
            raise CanaryError(f"compose {' '.join(args)} failed: {result.stderr.strip()[-800:]}")

    def _declare_version(self, version: str) -> None:
        """A version the compose file does not name is declared as an `extends` of the first one there."""
        services = self._services_in(COMPOSE_FILE)
        declared = self._services_in(self._extra_versions_file)
        if f"ocr-{version}" in services | declared:
            return
        template = sorted(services)[0]
        lines = ['version: "2.4"', "services:"]
        for name in sorted(declared | {f"ocr-{version}"}):
            lines += [f"  {name}:", f"    extends: {{file: {COMPOSE_FILE}, service: {template}}}",
                      f"    image: ocr-service:{name.removeprefix('ocr-')}",
                      f"    labels: {{ocr.version: {name.removeprefix('ocr-')}}}"]
        self._extra_versions_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # --- versions ----------------------------------------------------------------------------
    def container(self, service: str):
        """The stack's container of a compose service (ocr-vN or gateway), or None."""
        found = self.client.containers.list(all=True, filters={"label": [
            f"com.docker.compose.project={self.project}", f"com.docker.compose.service={service}"]})
        return found[0] if found else None

    def start_version(self, version: str) -> None:
        build_version_image(self.client, self.services_dir, version)
        self._prepare_run_dir()
        self._declare_version(version)
        self._compose("up", "-d", "--no-deps", f"ocr-{version}")
        self.wait_until_ready(version, READY_TIMEOUT_S, f"docker logs {self.project}_ocr-{version}_1")

    def stop_version(self, version: str) -> None:
        container = self.container(f"ocr-{version}")
        if container is not None and container.status == "running":
            container.stop(timeout=12)

    def _address(self, container) -> str | None:
        networks = container.attrs["NetworkSettings"]["Networks"]
        network = networks.get(f"{self.project}_versions") or next(iter(networks.values()), None)
        return network["IPAddress"] if network and network.get("IPAddress") else None

    def service_url(self, version: str) -> str:
        container = self.container(f"ocr-{version}")
        address = self._address(container) if container is not None else None
        if address is None:
            raise CanaryError(f"{version} has no running container")
        return f"http://{address}:{SERVICE_PORT}"

    def health(self, version: str) -> VersionHealth:
        container = self.container(f"ocr-{version}")
        if container is None:
            return VersionHealth(version, "", False, False, "no container")
        address = self._address(container)
        if container.status != "running" or address is None:
            return VersionHealth(version, "", False, False, container.status)
        url = f"http://{address}:{SERVICE_PORT}"
        try:
            alive = requests.get(f"{url}/healthz", timeout=1).status_code == 200
            ready = requests.get(f"{url}/readyz", timeout=1)
            return VersionHealth(version, url, alive, ready.status_code == 200, ready.json().get("status", ""))
        except requests.RequestException as error:
            return VersionHealth(version, url, False, False, type(error).__name__)

    def version_log(self, version: str) -> str:
        container = self.container(f"ocr-{version}")
        return container.logs(stdout=True, stderr=False).decode("utf-8", errors="replace") if container else ""

    # --- gateway -----------------------------------------------------------------------------
    def gateway_log(self, seconds: float) -> list[str]:
        """The gateway container's stdout (its access log) of the last ``seconds``."""
        gateway = self.container("gateway")
        if gateway is None:
            return []
        since = int(time.time() - seconds)
        output = gateway.logs(stdout=True, stderr=False, since=since)
        return output.decode("utf-8", errors="replace").splitlines()

    def _prepare_run_dir(self) -> None:
        # The gateway runs as an unprivileged user: the mounted folders must be readable by it.
        for folder in (self.run_dir, self.run_dir / "gateway", self.state_path.parent):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)

    def _gateway_config(self) -> str:
        layout = GatewayLayout(listen="8080", run_dir=Path("/tmp"), script_dir=Path("/etc/ocr-gateway"),
                               state_path=MOUNT / self.state_path.relative_to(self.run_dir),
                               address_pattern=f"ocr-{{version}}:{SERVICE_PORT}", error_log="stderr",
                               access_log="/dev/stdout", resolver=DOCKER_DNS)
        return render(layout)

    def ensure_gateway(self) -> None:
        self._prepare_run_dir()
        config_path = self.run_dir / "gateway" / "nginx.conf"
        config = self._gateway_config()
        gateway = self.container("gateway")
        running = gateway is not None and gateway.status == "running"
        if running and config_path.exists() and config_path.read_text(encoding="utf-8") == config:
            return
        temporary = config_path.with_suffix(".tmp")
        temporary.write_text(config, encoding="utf-8")
        temporary.chmod(0o644)
        self._check_config(gateway if running else None, temporary)
        os.replace(temporary, config_path)
        if not running:
            self._compose("up", "-d", "--no-deps", "gateway")
            self._wait_gateway()
            return
        # PID 1 of the container is nginx's master.
        reload_gracefully(gateway.attrs["State"]["Pid"], lambda: gateway.kill(signal="SIGHUP"))

    def _check_config(self, gateway, path: Path) -> None:
        command = ["nginx", "-t", "-q", "-e", "stderr", "-c", str(MOUNT / path.relative_to(self.run_dir))]
        if gateway is not None:
            code, output = gateway.exec_run(command)
        else:
            try:
                output, code = self.client.containers.run(
                    "ocr-gateway:latest", command, remove=True, stderr=True, read_only=True,
                    tmpfs={"/tmp": ""}, volumes={str(self.run_dir): {"bind": str(MOUNT), "mode": "ro"}}), 0
            except docker.errors.ContainerError as error:
                code, output = error.exit_status, error.stderr or b""
        if code != 0:
            raise CanaryError(f"rendered gateway config is invalid: {output.decode(errors='replace').strip()}")

    def _wait_gateway(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://{self.gateway_listen}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise CanaryError(f"the gateway did not answer on {self.gateway_listen}: docker logs {self.project}_gateway_1")

    def gateway_running(self) -> bool:
        gateway = self.container("gateway")
        return gateway is not None and gateway.status == "running"

    def stop_all(self) -> None:
        self._compose("down", "--remove-orphans", "--timeout", "12")
        self._extra_versions_file.unlink(missing_ok=True)
