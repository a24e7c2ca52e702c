"""The reliability suite: faults reproduced on a real local stack (nginx + njs, one gunicorn per version)."""
import pytest

from tests.helpers import services_folder
from tests.stack import Stack


@pytest.fixture(scope="package")
def stack(tmp_path_factory):
    services = services_folder(tmp_path_factory.mktemp("services"))
    with Stack.running(tmp_path_factory.mktemp("stack"), "local", services) as stack:
        yield stack


@pytest.fixture(autouse=True)
def baseline_routing(stack):
    stack.reset_to_baseline()
