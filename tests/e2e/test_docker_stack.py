"""The compose stack end to end: split, pins, rollback, no failed request while weights move, a killed
version container, and what the images are made of."""
import collections
import time

import docker
import pytest
import requests

from canary import commands
from canary.compare import compare, shadow_answers
from canary.rollout import DEFAULT_CONFIG, RolloutConfig, Runner
from tests.helpers import assert_share
from tests.lines import PAGE_TEXTS, direct_page_reading, direct_reading, rendered_page
from tests.stack import LINE_IMAGE, LoopingClient


def post_line(session, url, **headers):
    return session.post(f"{url}/ocr", data=LINE_IMAGE, timeout=10, headers={"Content-Type": "image/png", **headers})


def test_weight_30_sends_30_percent_of_unpinned_requests_to_the_canary(stack, session):
    stack.cli("canary", "30").check_returncode()
    counts = collections.Counter(session.get(f"{stack.url}/", timeout=10).headers["X-Model-Version"]
                                 for _ in range(1000))
    assert set(counts) == {"v1", "v2"}
    assert_share(counts["v2"], 1000, 0.30)


@pytest.mark.parametrize("weight", [0, 100])
def test_a_pinned_request_always_reaches_its_version(stack, session, weight):
    stack.cli("canary", str(weight)).check_returncode()
    for version in ("v1", "v2"):
        answers = {post_line(session, stack.url, **{"X-Model-Version": version}).headers["X-Model-Version"]
                   for _ in range(20)}
        assert answers == {version}


def test_the_answer_is_real_ocr_from_the_version_container(stack, session):
    response = post_line(session, stack.url, **{"X-Model-Version": "v2"})
    assert response.status_code == 200
    assert response.json()["used_model"] == "v2"
    assert response.json()["text"] == direct_reading("v2", LINE_IMAGE)  # the same model as on the host


def test_a_page_through_the_gateway_comes_back_as_lines_with_boxes(stack, session):
    page, bands = rendered_page(format="JPEG")
    for version in ("v1", "v2"):
        response = session.post(f"{stack.url}/ocr", files={"image": ("page.jpg", page)}, timeout=30,
                                headers={"X-Model-Version": version})
        body = response.json()
        assert response.status_code == 200 and body["mode"] == "page" and len(body["lines"]) == len(PAGE_TEXTS)
        assert [min(y for _, y in line["box"]) // 10 for line in body["lines"]] == \
            sorted(min(y for _, y in line["box"]) // 10 for line in body["lines"])
        assert body["text"] == direct_page_reading(version, page).text  # the same pipeline as on the host


def test_rollback_through_the_tool_is_under_a_second_and_takes_effect_at_once(stack, session):
    stack.cli("canary", "50").check_returncode()
    started = time.perf_counter()
    completed = stack.cli("rollback")
    elapsed = time.perf_counter() - started
    assert completed.returncode == 0, completed.stderr
    assert elapsed < 1.0, elapsed
    assert {session.get(f"{stack.url}/", timeout=10).headers["X-Model-Version"] for _ in range(50)} == {"v1"}


def test_no_request_fails_while_the_weight_changes_and_rolls_back(stack):
    clients = [LoopingClient(stack.url) for _ in range(2)]
    for client in clients:
        client.start()
    for round_ in range(30):
        commands.set_canary_weight(stack.backend, stack.store, (round_ * 37) % 101)
        if round_ % 5 == 4:
            commands.rollback(stack.backend, stack.store)
        time.sleep(0.05)
    for client in clients:
        client.finish()
    answers = [answer for client in clients for answer in client.answers]
    assert [failure for client in clients for failure in client.failures] == []
    assert len(answers) > 50 and set(answers) == {"v1", "v2"}


def test_a_killed_version_container_fails_over_and_is_found_again_after_docker_start(stack, session):
    stack.cli("canary", "50").check_returncode()
    container = stack.backend.container("ocr-v2")
    container.kill()
    container.wait(timeout=20)
    unpinned = [post_line(session, stack.url) for _ in range(40)]
    assert [r.status_code for r in unpinned] == [200] * 40
    assert {r.headers["X-Model-Version"] for r in unpinned} == {"v1"}  # the v2 share failed over
    pinned = post_line(session, stack.url, **{"X-Model-Version": "v2"})
    assert pinned.status_code == 503 and pinned.json()["code"] == "version_down"

    container.start()  # possibly a new address: the gateway resolves ocr-v2 through Docker's DNS again
    deadline = time.monotonic() + 60
    while post_line(session, stack.url, **{"X-Model-Version": "v2"}).status_code != 200:
        assert time.monotonic() < deadline, "the gateway never found the restarted v2"
        time.sleep(0.5)
    assert collections.Counter(session.get(f"{stack.url}/", timeout=10).headers["X-Model-Version"]
                               for _ in range(200))["v2"] > 60


def test_images_run_as_non_root_with_a_health_check_and_no_torch(stack):
    client = docker.from_env(version="auto")
    for name in ("ocr-service:v2", "ocr-gateway:latest"):
        config = client.images.get(name).attrs["Config"]
        assert config["User"] not in ("", "root", "0"), name
        assert config["Healthcheck"]["Test"], name
    service = stack.backend.container("ocr-v2")
    assert service.attrs["HostConfig"]["ReadonlyRootfs"] is True
    assert service.attrs["State"]["Health"]["Status"] in ("healthy", "starting")
    probe = client.containers.run("ocr-service:v2", ["python3", "-c", "import onnxruntime, importlib.util;"
                                  "print(importlib.util.find_spec('torch') is None)"], remove=True)
    assert probe.strip() == b"True"
    assert client.images.get("ocr-service:v2").attrs["Size"] < 600e6


def test_only_the_gateway_publishes_a_port_and_only_on_loopback(stack):
    for version in ("v1", "v2"):
        ports = stack.backend.container(f"ocr-{version}").ports
        assert ports == {"8000/tcp": None}  # exposed on the private network, published nowhere
    bindings = stack.backend.container("gateway").ports["8080/tcp"]
    assert [binding["HostIp"] for binding in bindings] == ["127.0.0.1"]


def test_the_gateway_starts_while_a_version_is_down_and_serves_the_other(stack, session):
    stack.cli("canary", "50").check_returncode()
    stack.backend.container("ocr-v2").stop(timeout=12)
    gateway = stack.backend.container("gateway")
    gateway.restart(timeout=12)  # nginx resolves ocr-v2 per request, not at start: no "host not found"
    deadline = time.monotonic() + 30
    while True:
        try:
            if session.get(f"{stack.url}/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the gateway did not come back"
        time.sleep(0.2)
    answers = [post_line(session, stack.url) for _ in range(30)]
    assert {(r.status_code, r.headers["X-Model-Version"]) for r in answers} == {(200, "v1")}


def test_a_progressive_rollout_promotes_a_healthy_canary_in_docker_mode(stack):
    config = RolloutConfig.load(DEFAULT_CONFIG, steps=[25, 100], step_seconds=2, check_seconds=0.2, min_requests=60)
    clients = [LoopingClient(stack.url) for _ in range(2)]
    for client in clients:
        client.start()
    lines = []
    try:
        progress = Runner(stack.backend, stack.store, config, out=lines.append).start("v2")
    finally:
        for client in clients:
            client.finish()
    assert progress.status == "promoted", lines
    assert stack.store.read().stable == "v2"
    assert [failure for client in clients for failure in client.failures] == []


def test_shadow_and_compare_work_in_docker_mode(stack, session):
    commands.shadow(stack.backend, stack.store, "v2")
    try:
        answers = [post_line(session, stack.url) for _ in range(60)]
    finally:
        commands.shadow(stack.backend, stack.store, None)
    assert {(r.status_code, r.headers["X-Model-Version"]) for r in answers} == {(200, "v1")}
    time.sleep(1)
    ids = {r.headers["X-Request-Id"] for r in answers}
    primary = shadow_answers(stack.backend.version_log("v1"), "primary")
    shadowed = shadow_answers(stack.backend.version_log("v2"), "shadow")
    assert ids <= primary.keys() & shadowed.keys()  # every request, answered by both, read from docker logs
    figures = compare(stack.backend, "v1", "v2")
    assert figures["pairs"] >= 60
    assert figures["stable"]["version"] == "v1" and figures["shadow"]["version"] == "v2"
