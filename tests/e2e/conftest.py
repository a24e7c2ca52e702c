"""The compose stack on the real Docker engine (make test builds the images first), reset before each
test. No engine is a failure here, not a skip: CI has one."""
import pytest

from canary.backends.docker import engine_reachable
from tests.helpers import services_folder
from tests.stack import Stack


@pytest.fixture(scope="package")
def services_dir(tmp_path_factory):
    return services_folder(tmp_path_factory.mktemp("services"))


@pytest.fixture(scope="package")
def stack(tmp_path_factory, services_dir):
    assert engine_reachable(), "no Docker engine: run `make images` (it starts dockerd) before the e2e suite"
    with Stack.running(tmp_path_factory.mktemp("docker-stack"), "docker", services_dir) as stack:
        yield stack


@pytest.fixture(autouse=True)
def baseline_routing(stack):
    stack.reset_to_baseline()
