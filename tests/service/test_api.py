"""The version service's API over HTTP against a real gunicorn."""
import base64
import json

import requests

from canary.metrics import parse
from tests.lines import KNOWN_TEXTS, direct_reading, rendered_line

GOOD_TEXT = KNOWN_TEXTS[0]


def test_multipart_upload_returns_text_chars_version_and_ids(service_v2):
    response = requests.post(f"{service_v2.url}/ocr", files={"image": ("line.png", rendered_line(GOOD_TEXT))},
                             headers={"X-Request-Id": "client-42"}, timeout=10)
    body = response.json()
    assert response.status_code == 200 and body["success"] is True
    assert body["text"] == direct_reading("v2", rendered_line(GOOD_TEXT)) != ""
    assert "".join(char for char, _ in body["chars"]) == body["text"]
    assert all(0 <= confidence <= 1 for _, confidence in body["chars"]) and 0 < body["confidence"] <= 1
    assert body["used_model"] == "v2" == response.headers["X-Model-Version"]
    assert body["request_id"] == "client-42" == response.headers["X-Request-Id"]
    assert body["latency_ms"] > 0


def test_raw_body_and_base64_json_read_the_same_text(service_v2):
    image = rendered_line(GOOD_TEXT)
    raw = requests.post(f"{service_v2.url}/ocr", data=image, headers={"Content-Type": "image/png"}, timeout=10)
    as_json = requests.post(f"{service_v2.url}/ocr", json={"image": base64.b64encode(image).decode()}, timeout=10)
    assert raw.json()["text"] == as_json.json()["text"] == direct_reading("v2", image)
    assert raw.headers["X-Request-Id"] != as_json.headers["X-Request-Id"]  # generated when not sent


def test_batch_returns_one_result_per_image_in_order(service_v2):
    files = [("image", (f"{i}.png", rendered_line(text))) for i, text in enumerate(KNOWN_TEXTS)]
    body = requests.post(f"{service_v2.url}/ocr/batch", files=files, timeout=20).json()
    expected = [direct_reading("v2", rendered_line(text)) for text in KNOWN_TEXTS]
    assert body["success"] and [result["text"] for result in body["results"]] == expected


def test_a_request_pinned_to_another_version_is_refused(service_v2):
    response = requests.post(f"{service_v2.url}/ocr", files={"image": ("l.png", rendered_line(GOOD_TEXT))},
                             headers={"X-Model-Version": "v1"}, timeout=10)
    assert response.status_code == 409
    assert response.json()["code"] == "version_mismatch" and response.headers["X-Model-Version"] == "v2"
    pinned_right = requests.post(f"{service_v2.url}/ocr", files={"image": ("l.png", rendered_line(GOOD_TEXT))},
                                 headers={"X-Model-Version": "v2"}, timeout=10)
    assert pinned_right.status_code == 200


def test_health_readiness_and_version(service_v1):
    assert requests.get(f"{service_v1.url}/healthz", timeout=5).json()["status"] == "alive"
    assert requests.get(f"{service_v1.url}/readyz", timeout=5).json() == {"status": "ready", "version": "v1"}
    manifest = requests.get(f"{service_v1.url}/version", timeout=5).json()
    assert manifest["version"] == "v1" and len(manifest["sha256"]) == 64
    assert "alphabet" not in manifest["charset"] and "evaluation" in manifest["metrics"]


def test_metrics_tell_routed_from_pinned_traffic_and_keep_client_errors_out_of_latency(service_v1):
    def figures():
        return parse(requests.get(f"{service_v1.url}/metrics", timeout=5).text)

    before = figures()
    line = rendered_line(GOOD_TEXT)
    for route in ("weighted", "sticky", "pinned", "pinned", "pinned"):
        requests.post(f"{service_v1.url}/ocr", files={"image": ("l.png", line)}, headers={"X-Route": route}, timeout=10)
    for _ in range(4):  # a client's garbage, through the gateway's weighted route
        requests.post(f"{service_v1.url}/ocr", data=b"not an image", headers={"Content-Type": "image/png",
                                                                             "X-Route": "weighted"}, timeout=10)
    window = figures().since(before)
    assert (window.requests, window.pinned_requests, window.client_errors, window.errors) == (2, 3, 4, 0)
    assert window.latency_buckets[-1][1] == 2  # only the two routed answers were timed for the gates


def test_metrics_count_requests_across_workers(service_v1):
    for _ in range(6):
        requests.post(f"{service_v1.url}/ocr", files={"image": ("l.png", rendered_line(GOOD_TEXT))}, timeout=10)
    requests.post(f"{service_v1.url}/ocr", data=b"", headers={"Content-Type": "image/png"}, timeout=10)
    page = requests.get(f"{service_v1.url}/metrics", timeout=5).text
    assert 'ocr_requests_total{endpoint="ocr",route="direct",status="200",version="v1"} 6.0' in page
    assert 'ocr_requests_total{endpoint="ocr",route="direct",status="400",version="v1"} 1.0' in page
    assert "ocr_request_latency_seconds_bucket" in page and "ocr_line_confidence_count" in page
    assert 'ocr_in_flight_requests{version="v1"} 0.0' in page


def test_one_json_log_line_per_inference_without_image_bytes(service_v1):
    requests.post(f"{service_v1.url}/ocr", files={"image": ("l.png", rendered_line(GOOD_TEXT))},
                  headers={"X-Request-Id": "log-check-1"}, timeout=10)
    entries = [json.loads(line) for line in service_v1.log_lines() if line.startswith("{")]
    entry = next(entry for entry in entries if entry["request_id"] == "log-check-1")
    assert entry["version"] == "v1" and entry["outcome"] == "ok" and entry["latency_ms"] > 0
    assert entry["images"][0]["width"] > 0 and entry["text_length"] > 0 and 0 < entry["mean_confidence"] <= 1
    assert "PNG" not in "".join(service_v1.log_lines())


def test_web_page_is_served(service_v1):
    response = requests.get(f"{service_v1.url}/", timeout=5)
    assert response.status_code == 200 and "text/html" in response.headers["Content-Type"]
    assert 'type="file"' in response.text
