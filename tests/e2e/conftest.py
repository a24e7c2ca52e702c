"""The compose stack on the real Docker engine (make test builds the images first). No engine is a
failure here, not a skip: CI has one."""
import pytest
import requests

from canary import commands
from canary.backends.docker import engine_reachable
from canary.state import RoutingState
from tests.helpers import services_folder
from tests.stack import Stack


@pytest.fixture(scope="package")
def services_dir(tmp_path_factory):
    return services_folder(tmp_path_factory.mktemp("services"))


@pytest.fixture(scope="package")
def stack(tmp_path_factory, services_dir):
    assert engine_reachable(), "no Docker engine: run `make images` (it starts dockerd) before the e2e suite"
    stack = Stack(tmp_path_factory.mktemp("docker-stack"), mode="docker", services_dir=services_dir)
    try:
        commands.up(stack.backend, stack.store, ["v1", "v2"], stable="v1")
        yield stack
    finally:
        stack.backend.stop_all()


@pytest.fixture
def session():
    with requests.Session() as session:
        yield session


@pytest.fixture(autouse=True)
def baseline_routing(stack):
    """Each test starts from stable v1, canary v2 at 0%, with both version containers running."""
    for version in ("v1", "v2"):
        if not stack.backend.health(version).ready:
            stack.backend.start_version(version)
    with stack.store.locked():
        current = stack.store.read()
        if (current.stable, current.canary, current.canary_weight, current.deployed) != ("v1", "v2", 0, ("v1", "v2")):
            stack.backend.apply_topology(["v1", "v2"])
            stack.store.write(RoutingState(stable="v1", canary="v2", canary_weight=0, deployed=("v1", "v2")),
                              "test-reset")
    yield
