"""The swarm stack on a real Swarm (deploy/swarm-node.sh starts its engine; make test builds the images).
One stack runs on this machine at a time: the suite refuses to take over one it did not start."""
from contextlib import closing
from pathlib import Path

import docker
import pytest

from canary.backends.swarm import STACK, node_socket
from tests.helpers import services_folder
from tests.stack import Stack


@pytest.fixture(scope="package")
def services_dir(tmp_path_factory):
    return services_folder(tmp_path_factory.mktemp("services"))


def stack_already_running() -> bool:
    if not Path(node_socket(1).removeprefix("unix://")).exists():
        return False  # no node engine: nothing runs (and a client to it would leak its socket)
    try:
        with closing(docker.DockerClient(base_url=node_socket(1), version="auto", timeout=5)) as node:
            return bool(node.services.list(filters={"label": f"com.docker.stack.namespace={STACK}"}))
    except docker.errors.DockerException:
        return False  # no node engine yet: nothing runs


@pytest.fixture(scope="package")
def stack(tmp_path_factory, services_dir):
    assert not stack_already_running(), "a swarm stack is already running here: `make down` it first"
    with Stack.running(tmp_path_factory.mktemp("swarm-stack"), "swarm", services_dir) as stack:
        yield stack


@pytest.fixture(autouse=True)
def baseline_routing(stack):
    stack.reset_to_baseline()


@pytest.fixture(scope="package")
def node(stack):
    """The manager's engine."""
    with closing(docker.DockerClient(base_url=node_socket(1), version="auto", timeout=60)) as client:
        yield client
