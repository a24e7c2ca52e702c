"""The package-scoped stack the gateway tests share, reset to a baseline before each test."""
import pytest
import requests

from canary import commands
from canary.state import RoutingState
from tests.helpers import services_folder
from tests.stack import Stack


@pytest.fixture(scope="package")
def services_dir(tmp_path_factory):
    return services_folder(tmp_path_factory.mktemp("services"))


@pytest.fixture(scope="package")
def stack(tmp_path_factory, services_dir):
    stack = Stack(tmp_path_factory.mktemp("stack"), services_dir=services_dir)
    commands.up(stack.backend, stack.store, ["v1", "v2"], stable="v1")
    yield stack
    stack.backend.stop_all()


@pytest.fixture
def session():
    with requests.Session() as session:
        yield session


@pytest.fixture(autouse=True)
def baseline_routing(stack):
    """Each test starts from stable v1, canary v2 at 0%, with both versions up."""
    for version in ("v1", "v2"):
        if not stack.backend.health(version).ready:
            stack.backend.start_version(version)
    baseline = RoutingState(stable="v1", canary="v2", canary_weight=0, deployed=("v1", "v2"))
    with stack.store.locked():
        current = stack.store.read()
        if (current.stable, current.canary, current.canary_weight) != ("v1", "v2", 0):
            stack.store.write(baseline, "test-reset")
    yield
