"""Swarm backend: the stack of deploy/swarm-stack.yml on Docker Swarm, driven through the docker SDK.

The swarm's manager is a Docker engine in a network namespace of its own (deploy/swarm-node.sh): Swarm
publishes ports on every interface of a node, and this stack answers on loopback only, so the node's
interfaces are private to this machine and 127.0.0.1:PORT is carried into it by NAT. The host's own engine
builds the images (`make images`); they are copied into the node's engine when they differ.

The routing state stays where the tool writes it (the same StateStore, lock and history as the other modes);
the stack's `state` task relays it to every gateway replica (gateway/state_relay.py), and after each change
the tool waits until every running replica holds the new generation (`propagated`).
The tool reaches the swarm's network through the edge's operator port (9080 on the node: probes, metrics).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from contextlib import closing
from pathlib import Path

import docker
import requests
from docker.errors import DockerException, NotFound
from docker.types import ServiceMode

from .. import prometheus
from ..errors import CanaryError
from ..gateway_config import DOCKER_DNS, GatewayLayout, render
from ..metrics import VersionFigures, parse
from .base import Backend, VersionHealth
from .docker import build_version_image

ROOT = Path(__file__).resolve().parent.parent.parent
STACK_FILE = ROOT / "deploy" / "swarm-stack.yml"
NODE_SCRIPT = ROOT / "deploy" / "swarm-node.sh"
STACK = "ocr"
SERVICE_PORT = 8000
ADMIN_PORT = 9080
READY_TIMEOUT_S = 120
PROPAGATION_TIMEOUT_S = 30.0  # the first state waits for the replicas' nginx to start
OVERLAY_PREFIX = "10.232."  # the stack network's subnet (deploy/swarm-stack.yml)


def node_socket(node: int) -> str:
    return f"unix:///run/ocr-swarm/node-{node}.sock"


def node_address(node: int) -> str:
    return f"10.231.0.{node + 1}"


def worker_sockets() -> list[Path]:
    """The sockets of the other node engines on this machine (workers joined with swarm-node.sh)."""
    return [socket for socket in sorted(Path("/run/ocr-swarm").glob("node-*.sock")) if socket.name != "node-1.sock"]


def run_node_script(*args: str) -> None:
    result = subprocess.run(["bash", str(NODE_SCRIPT), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise CanaryError(f"swarm-node.sh {' '.join(args)} failed: {result.stderr.strip()[-600:]}")


class SwarmBackend(Backend):
    def __init__(self, run_dir: Path, gateway_listen: str = "127.0.0.1:8080", services_dir: Path = ROOT / "services",
                 state_path: Path | None = None, replicas: int = 2, gateway_replicas: int = 2) -> None:
        self.run_dir = run_dir.resolve()
        self.gateway_listen = gateway_listen
        self.port = int(gateway_listen.rpartition(":")[2])
        self.services_dir = services_dir
        self.state_path = state_path or self.run_dir / "state" / "routing.json"
        self.replicas, self.gateway_replicas = replicas, gateway_replicas
        self.admin = f"http://{node_address(1)}:{ADMIN_PORT}"
        self._client = None
        self._stack_deployed = False  # once per run of the tool: `docker stack deploy` is idempotent

    # --- the swarm ---------------------------------------------------------------------------------
    @property
    def client(self) -> docker.DockerClient:
        """The manager's engine, started (and the swarm initialised) on first use."""
        if self._client is None:
            run_node_script("start", "1")
            client = docker.DockerClient(base_url=node_socket(1), version="auto", timeout=120)
            if client.info()["Swarm"]["LocalNodeState"] != "active":
                client.swarm.init(advertise_addr=node_address(1), listen_addr=f"{node_address(1)}:2377")
            self._client = client
        return self._client

    def copy_images(self, tags: list[str]) -> None:
        """Images the host's engine built and the node's lacks (or holds an older build of), streamed across."""
        with closing(docker.from_env(version="auto", timeout=300)) as host:
            for tag in tags:
                self._copy_image(host, tag)

    def _copy_image(self, host: docker.DockerClient, tag: str) -> None:
        try:
            wanted = host.images.get(tag).id
        except NotFound:
            raise CanaryError(f"no image {tag} on this machine's engine: run `make images`") from None
        try:
            if self.client.images.get(tag).id == wanted:
                return
        except NotFound:
            pass
        self.client.api.load_image(host.api.get_image(tag))

    def _gateway_config(self) -> Path:
        """The gateway's nginx.conf for every replica; it names no version (addresses follow from names)."""
        layout = GatewayLayout(listen="8080", run_dir=Path("/tmp/ocr-gateway"), script_dir=Path("/etc/ocr-gateway"),
                               state_path=Path("/tmp/ocr-gateway/routing.json"),
                               address_pattern=f"ocr-{{version}}:{SERVICE_PORT}", error_log="stderr",
                               access_log="/dev/stdout", resolver=DOCKER_DNS)
        path = self.run_dir / "swarm" / "gateway-nginx.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(layout), encoding="utf-8")
        return path

    def deploy_stack(self) -> None:
        """`docker stack deploy` of deploy/swarm-stack.yml (idempotent: an unchanged stack is left running)."""
        stack_versions = sorted(line.strip()[4:].rstrip(":") for line in STACK_FILE.read_text().splitlines()
                                if line.startswith("  ocr-v"))
        self.copy_images(["ocr-gateway:latest", "ocr-prometheus:latest",
                          *(f"ocr-service:{v}" for v in stack_versions)])
        config = self._gateway_config()
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.parent.chmod(0o755)  # the relay runs as the gateway image's user
        digest = hashlib.sha256(config.read_bytes()).hexdigest()[:12]
        env = {**os.environ, "DOCKER_HOST": node_socket(1), "OCR_STATE_DIR": str(self.state_path.parent),
               "GATEWAY_CONF": str(config), "GATEWAY_CONF_NAME": f"ocr-gateway-conf-{digest}",
               "REPLICAS": str(self.replicas), "GATEWAY_REPLICAS": str(self.gateway_replicas),
               "GATEWAY_PORT": str(self.port)}
        result = subprocess.run(["docker", "stack", "deploy", "--resolve-image", "never", "--prune", "-c",
                                 str(STACK_FILE), STACK], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise CanaryError(f"docker stack deploy failed: {result.stderr.strip()[-800:]}")
        run_node_script("forward", str(self.port))
        self._stack_deployed = True

    def service(self, name: str):
        try:
            return self.client.services.get(f"{STACK}_{name}")
        except NotFound:
            return None

    def scale(self, name: str, replicas: int) -> None:
        """Only the replica count changes: the running tasks stay. (The SDK's Service.scale, and update_service
        with fetch_current_spec, send a task template of their own making, which Swarm takes for a new spec:
        it replaces every task.) The spec goes back exactly as Swarm holds it."""
        service = self.service(name)
        spec = service.attrs["Spec"]
        self.client.api.update_service(service.id, service.version, name=spec["Name"], labels=spec.get("Labels"),
                                       task_template=spec["TaskTemplate"], mode=ServiceMode("replicated", replicas),
                                       update_config=spec.get("UpdateConfig"), rollback_config=spec.get("RollbackConfig"),
                                       networks=spec.get("Networks"), endpoint_spec=spec.get("EndpointSpec"))

    def running_tasks(self, name: str) -> list[dict]:
        service = self.service(name)
        if service is None:
            return []
        return [task for task in service.tasks(filters={"desired-state": "running"})
                if task["Status"]["State"] == "running"]

    @staticmethod
    def task_address(task: dict) -> str | None:
        for attachment in task.get("NetworksAttachments", []):
            for address in attachment.get("Addresses", []):
                if address.startswith(OVERLAY_PREFIX):
                    return address.split("/")[0]
        return None

    # --- versions ----------------------------------------------------------------------------------
    def start_version(self, version: str) -> None:
        if not self._stack_deployed:
            self.deploy_stack()
        if self.service(f"ocr-{version}") is None:
            self._create_version_service(version)
        self.wait_until_ready(version, READY_TIMEOUT_S, f"DOCKER_HOST={node_socket(1)} docker service ps "
                                                        f"{STACK}_ocr-{version} --no-trunc")

    def _create_version_service(self, version: str) -> None:
        """A version the stack file does not name is a copy of the first one there, with its own image."""
        with closing(docker.from_env(version="auto", timeout=300)) as host:  # the host's engine builds images
            build_version_image(host, self.services_dir, version)
        self.copy_images([f"ocr-service:{version}"])
        template = next(service for service in self.client.services.list(filters={"label": f"com.docker.stack."
                                                                                             f"namespace={STACK}"})
                        if service.name.startswith(f"{STACK}_ocr-v")).attrs["Spec"]
        task = template["TaskTemplate"]
        task["ContainerSpec"]["Image"] = f"ocr-service:{version}"
        task["ContainerSpec"]["Labels"] = {**task["ContainerSpec"].get("Labels", {}), "ocr.version": version}
        networks = [{**network, "Aliases": [f"ocr-{version}", "ocr-versions"]} for network in task.get("Networks", [])]
        task["Networks"] = networks
        self.client.api.create_service(task, name=f"{STACK}_ocr-{version}",
                                       labels={**template["Labels"], "ocr.version": version},
                                       mode=template["Mode"], update_config=template.get("UpdateConfig"),
                                       rollback_config=template.get("RollbackConfig"),
                                       endpoint_spec=template.get("EndpointSpec"))

    def stop_version(self, version: str) -> None:
        service = self.service(f"ocr-{version}")
        if service is not None:
            service.remove()

    def health(self, version: str) -> VersionHealth:
        url = self.service_url(version)
        tasks = self.running_tasks(f"ocr-{version}")
        if not tasks:
            return VersionHealth(version, url, False, False, "no running replica")
        try:
            alive = requests.get(f"{url}/healthz", timeout=2).status_code == 200
            ready = requests.get(f"{url}/readyz", timeout=2)
            return VersionHealth(version, url, alive, ready.status_code == 200,
                                 f"{ready.json().get('status', '')}, {len(tasks)} replicas running")
        except (requests.RequestException, ValueError) as error:
            return VersionHealth(version, url, False, False, type(error).__name__)

    def service_url(self, version: str) -> str:
        """Any replica of the version, through the edge's operator port."""
        return f"{self.admin}/versions/{version}"

    @property
    def prometheus_url(self) -> str:
        return f"{self.admin}/prometheus"

    def scrape(self, version: str, timeout: float = 2.0) -> VersionFigures:
        """The stack's Prometheus' figures (every replica it discovered) while it answers; else every running
        replica's /metrics, summed (parse adds samples of the same series)."""
        try:
            return prometheus.version_figures(self.prometheus_url, version, timeout)
        except (requests.RequestException, ValueError, KeyError, prometheus.NoFigures):
            return self.scrape_replicas(version, timeout)

    def recorded_rates(self) -> dict[str, dict[str, float]] | None:
        try:
            return prometheus.recorded_rates(self.prometheus_url)
        except (requests.RequestException, ValueError, KeyError):
            return None

    def scrape_replicas(self, version: str, timeout: float = 2.0) -> VersionFigures:
        """Every running replica's /metrics, summed, without Prometheus."""
        texts = []
        for task in self.running_tasks(f"ocr-{version}"):
            address = self.task_address(task)
            if address:
                response = requests.get(f"{self.admin}/tasks/{address}/metrics", timeout=timeout)
                response.raise_for_status()
                texts.append(response.text)
        if not texts:
            raise requests.ConnectionError(f"{version} has no running replica")
        return parse("\n".join(texts))

    def version_log(self, version: str) -> str:
        return self.task_logs(f"ocr-{version}")

    def task_logs(self, name: str, since: int | None = None) -> str:
        """What the service's running tasks printed, each read from its container on its own node's engine.
        (`docker service logs` streams through Swarm's log broker, which was seen here to wait forever once a
        replica had been scaled away.)"""
        tasks = self.running_tasks(name)
        output = []
        workers = [docker.DockerClient(base_url=f"unix://{socket}", version="auto", timeout=30)
                   for socket in worker_sockets()]
        try:
            for engine in [self.client, *workers]:
                try:
                    node_id = engine.info()["Swarm"]["NodeID"]
                    for task in tasks:
                        if task["NodeID"] == node_id:
                            container = engine.containers.get(task["Status"]["ContainerStatus"]["ContainerID"])
                            output.append(container.logs(stdout=True, stderr=False, since=since))
                except DockerException:
                    continue  # that node's engine is gone, or the task just ended: nothing more to read there
        finally:
            for engine in workers:
                engine.close()
        return b"".join(output).decode("utf-8", errors="replace")

    # --- gateway -----------------------------------------------------------------------------------
    def gateway_log(self, seconds: float) -> list[str]:
        return self.task_logs("gateway", since=int(time.time() - seconds)).splitlines()

    def ensure_gateway(self) -> None:
        """Every replica's config is the stack's: only the stack must be there."""
        if not self._stack_deployed:
            self.deploy_stack()

    def followers(self) -> dict[str, str]:
        """Each running gateway replica (container id prefix) -> the generation it holds ('' if not known)."""
        try:
            held = requests.get(f"{self.admin}/state/followers", timeout=2).json()["followers"]
        except (requests.RequestException, ValueError, KeyError):
            held = {}
        replicas = [task["Status"]["ContainerStatus"]["ContainerID"][:12] for task in self.running_tasks("gateway")]
        return {replica: held.get(replica, {}).get("generation", "") for replica in replicas}

    def wait_propagated(self, generation: int, timeout_s: float = PROPAGATION_TIMEOUT_S) -> float:
        """Seconds until every running gateway replica held ``generation``. CanaryError after ``timeout_s``."""
        started = time.perf_counter()
        while True:
            held = self.followers()
            if held and all(value == str(generation) for value in held.values()):
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout_s:
                raise CanaryError(f"after {timeout_s:.0f} s not every gateway replica holds generation {generation}: "
                                  f"{held or 'no replica answered'}")
            time.sleep(0.005)

    def propagated(self, generation: int) -> str:
        """After a command: the gateway's replicas all up (at `up`, their nginx starts with the first state),
        then every one holding ``generation``."""
        desired = self.service("gateway").attrs["Spec"]["Mode"]["Replicated"]["Replicas"]
        deadline = time.monotonic() + PROPAGATION_TIMEOUT_S
        while len(self.running_tasks("gateway")) < desired:
            if time.monotonic() > deadline:
                raise CanaryError(f"fewer than {desired} gateway replicas run: DOCKER_HOST={node_socket(1)} "
                                  f"docker service ps {STACK}_gateway --no-trunc")
            time.sleep(0.2)
        seconds = self.wait_propagated(generation)
        return f"every gateway replica ({len(self.followers())}) routes by it ({seconds * 1000:.0f} ms)"

    def stop_all(self) -> None:
        try:
            with closing(docker.DockerClient(base_url=node_socket(1), version="auto", timeout=30)) as client:
                for service in client.services.list(filters={"label": f"com.docker.stack.namespace={STACK}"}):
                    service.remove()
                deadline = time.monotonic() + 30
                while client.containers.list() and time.monotonic() < deadline:
                    time.sleep(0.5)
        except DockerException:
            pass  # the node's engine is not running: nothing of the stack runs
        if self._client is not None:
            self._client.close()
            self._client = None
        for socket in worker_sockets():
            run_node_script("leave", socket.stem.removeprefix("node-"))
        run_node_script("unforward", str(self.port))
        run_node_script("stop", "1")
