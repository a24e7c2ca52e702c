"""The package-scoped local stack the gateway tests share (real nginx + gunicorn), reset before each test."""
import pytest

from tests.helpers import services_folder
from tests.stack import Stack


@pytest.fixture(scope="package")
def services_dir(tmp_path_factory):
    return services_folder(tmp_path_factory.mktemp("services"))


@pytest.fixture(scope="package")
def stack(tmp_path_factory, services_dir):
    with Stack.running(tmp_path_factory.mktemp("stack"), "local", services_dir) as stack:
        yield stack


@pytest.fixture(autouse=True)
def baseline_routing(stack):
    stack.reset_to_baseline()
