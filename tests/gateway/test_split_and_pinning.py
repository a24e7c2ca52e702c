"""Weighted split, pinning and stickiness through the real gateway."""
from collections import Counter

import pytest

from tests.helpers import assert_share
from tests.lines import PAGE_TEXTS, direct_page_reading, rendered_line, rendered_page


def test_weight_30_sends_30_percent_of_unpinned_requests_to_the_canary(stack, session):
    stack.set_weight(30)
    counts = Counter(stack.answered_by(session, 2000))
    assert set(counts) == {"v1", "v2"}
    assert_share(counts["v2"], 2000, 0.30)


@pytest.mark.parametrize("weight", [0, 30, 100])
def test_pinned_requests_are_always_answered_by_the_pinned_version(stack, session, weight):
    stack.set_weight(weight)
    for version in ("v1", "v2"):
        assert set(stack.answered_by(session, 60, **{"X-Model-Version": version})) == {version}


def test_pinned_ocr_answers_carry_the_version_and_request_id(stack, session):
    response = session.post(f"{stack.url}/ocr", files={"image": ("l.png", rendered_line("2026-11-24"))},
                            headers={"X-Model-Version": "v2", "X-Request-Id": "abc-123"}, timeout=10)
    assert response.status_code == 200 and response.json()["used_model"] == "v2"
    assert response.headers["X-Model-Version"] == "v2" and response.headers["X-Request-Id"] == "abc-123"


def test_a_page_through_the_gateway_comes_back_as_lines_with_boxes(stack, session):
    page, bands = rendered_page()
    response = session.post(f"{stack.url}/ocr", files={"image": ("page.png", page)}, timeout=30)
    body = response.json()
    assert response.status_code == 200 and body["mode"] == "page" and len(body["lines"]) == len(PAGE_TEXTS)
    for line, (top, bottom) in zip(body["lines"], bands):
        assert top - 12 <= min(y for _, y in line["box"]) and max(y for _, y in line["box"]) <= bottom + 12
    assert body["text"] == direct_page_reading(response.headers["X-Model-Version"], page).text
    single = session.post(f"{stack.url}/ocr", files={"image": ("l.png", rendered_line(PAGE_TEXTS[0]))}, timeout=30)
    assert single.json()["mode"] == "line" and len(single.json()["lines"]) == 1


def test_a_photo_sized_upload_passes_the_gateway(stack, session):
    # Over nginx's old 8 MB limit, under the 20 MB one: the service itself answers (a JSON 400, not nginx's 413).
    response = session.post(f"{stack.url}/ocr", data=b"\x89PNG" + b"0" * (12 * 2**20), timeout=30,
                            headers={"Content-Type": "image/png"})
    assert response.status_code == 400 and response.json()["code"] in ("corrupt_image", "not_an_image")


def test_the_gateway_refuses_in_json_and_hides_its_version(stack, session):
    too_large = session.post(f"{stack.url}/ocr", data=b"0" * (21 * 2**20), headers={"Content-Type": "image/png"},
                             timeout=30)
    assert too_large.status_code == 413 and too_large.json()["code"] == "payload_too_large"
    trace = session.request("TRACE", f"{stack.url}/ocr", timeout=10)
    assert trace.status_code == 405 and trace.json()["success"] is False
    huge_header = session.get(f"{stack.url}/ocr", headers={"X-Padding": "a" * 20000}, timeout=10)
    assert huge_header.status_code == 400 and huge_header.json()["code"] == "headers_too_large"
    assert all("nginx/" not in response.headers.get("Server", "") for response in (too_large, trace, huge_header))


def test_an_odd_request_id_is_replaced_once_for_header_body_and_logs(stack, session):
    response = session.post(f"{stack.url}/ocr", files={"image": ("l.png", rendered_line("2026-11-24"))},
                            headers={"X-Request-Id": "<odd id>"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] != "<odd id>"
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_unknown_pin_gets_404_listing_the_deployed_versions(stack, session):
    response = session.post(f"{stack.url}/ocr", data=b"x", headers={"X-Model-Version": "v9",
                                                                    "Content-Type": "image/png"}, timeout=10)
    assert response.status_code == 404
    assert response.json() == {"success": False, "code": "unknown_version",
                               "error": "unknown version 'v9'; deployed: v1, v2"}


def test_a_crafted_pin_cannot_change_the_404_json(stack, session):
    crafted = 'v9", "success": true, "code": "ok'
    response = session.post(f"{stack.url}/ocr", data=b"x", headers={"X-Model-Version": crafted,
                                                                   "Content-Type": "image/png"}, timeout=10)
    body = response.json()  # valid JSON whatever the header holds
    assert response.status_code == 404 and body["success"] is False and body["code"] == "unknown_version"
    assert crafted in body["error"]


def test_sticky_clients_keep_their_version_and_only_move_to_the_canary(stack, session):
    stack.set_weight(30)
    clients = [f"client-{i}" for i in range(200)]
    before = {}
    for client in clients:
        answers = set(stack.answered_by(session, 50, **{"X-Client-Id": client}))
        assert len(answers) == 1, client
        before[client] = answers.pop()
    stack.set_weight(60)
    after = {client: stack.answered_by(session, 3, **{"X-Client-Id": client})[0] for client in clients}
    assert not [c for c in clients if before[c] == "v2" and after[c] == "v1"]
    assert sum(v == "v2" for v in after.values()) > sum(v == "v2" for v in before.values())
    cookie = stack.answered_by(session, 20, Cookie="ocr_client=client-7")
    assert set(cookie) == {after["client-7"]}


def test_admin_endpoints_are_not_reachable_through_the_gateway(stack, session):
    for path in ("/metrics", "/version", "/readyz"):
        response = session.get(f"{stack.url}{path}", timeout=5)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert session.get(f"{stack.url}/healthz", timeout=5).json()["service"] == "gateway"
