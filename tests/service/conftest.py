"""Module-scoped real gunicorn services for the HTTP tests."""
import pytest

from tests.processes import start_service, stop_service


@pytest.fixture(scope="module")
def service_v1(tmp_path_factory):
    service = start_service("v1", tmp_path_factory.mktemp("v1"))
    yield service
    stop_service(service.process)


@pytest.fixture(scope="module")
def service_v2(tmp_path_factory):
    service = start_service("v2", tmp_path_factory.mktemp("v2"))
    yield service
    stop_service(service.process)
