"""The fault-injection test hook: off by default, driven only by the file the service was started with."""
import json

from ocr.service import create_app
from tests.helpers import version_dir
from tests.stack import LINE_IMAGE


def post(client, **headers):
    return client.post("/ocr", data=LINE_IMAGE, headers={"Content-Type": "image/png", **headers})


def test_without_the_hook_no_request_can_inject_a_fault():
    client = create_app({"VERSION_DIR": str(version_dir("v1"))}).test_client()
    attempts = [post(client, **{"X-Fault": "error"}), client.post("/ocr?fault=1&error_rate=1", data=LINE_IMAGE,
                                                                  headers={"Content-Type": "image/png"})]
    assert [response.status_code for response in attempts] == [200, 200]


def test_the_fault_file_turns_errors_on_and_off_while_the_service_runs(tmp_path):
    fault_file = tmp_path / "faults.json"
    client = create_app({"VERSION_DIR": str(version_dir("v1")), "FAULT_FILE": str(fault_file)}).test_client()
    assert post(client).status_code == 200  # no file yet: no fault
    fault_file.write_text(json.dumps({"error_rate": 1.0}))
    failed = post(client)
    assert failed.status_code == 500 and failed.get_json()["code"] == "injected_fault"
    fault_file.write_text(json.dumps({"error_rate": 0.0, "latency_ms": 1}) + " ")  # new size: seen as changed
    assert post(client).status_code == 200
