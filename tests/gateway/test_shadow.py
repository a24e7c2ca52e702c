"""Shadow traffic on the real stack: clients see nothing change, `compare` joins both answers."""
import io
import json
import statistics
import subprocess
import sys
import time

import pytest
from PIL import Image

from canary import commands
from canary.errors import UnsafeMove
from canary.rollout import DEFAULT_CONFIG, RolloutConfig, Runner
from ocr.charset import normalize_for_scoring
from tests.helpers import ROOT
from tests.lines import direct_reading, rendered_line

TEXTS = ["2026-11-24", "Invoice 1,280.00", "北京市海淀区", "Hello World", "订单号 A123"]


def tiny_line(text: str, height: int = 9) -> bytes:
    """A faint, blurred line shrunk to a few pixels: two different models read it differently."""
    image = Image.open(io.BytesIO(rendered_line(text, hard=True)))
    small = image.resize((max(8, image.width * height // image.height), height), Image.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG")
    return buffer.getvalue()


# Clean lines both versions read alike, and tiny ones they mostly read differently.
IMAGES = [rendered_line(text) for text in TEXTS] + [tiny_line(text) for text in TEXTS]


def agreement_of_direct_readings() -> float:
    """The share of IMAGES both versions' models read the same (what compare must report: each image is sent
    equally often)."""
    same = [normalize_for_scoring(direct_reading("v1", image)) == normalize_for_scoring(direct_reading("v2", image))
            for image in IMAGES]
    return sum(same) / len(same)


def send(stack, session, count, **headers):
    """(text, answering version, request id, seconds) per request, cycling through the images."""
    answers = []
    for index in range(count):
        started = time.perf_counter()
        response = session.post(f"{stack.url}/ocr", data=IMAGES[index % len(IMAGES)], timeout=10,
                                headers={"Content-Type": "image/png", **headers})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        answers.append((response.json()["text"], response.headers["X-Model-Version"],
                        response.headers["X-Request-Id"], elapsed))
    return answers


def compare_json(stack):
    completed = subprocess.run([sys.executable, "-m", "canary", "compare", "--json", "--shadow", "v2"],
                               env=stack.env, cwd=ROOT,
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_shadowing_changes_nothing_clients_see_and_compare_joins_every_request(stack, session):
    send(stack, session, len(IMAGES))  # warm both paths
    before = send(stack, session, 100)
    commands.shadow(stack.backend, stack.store, "v2")
    try:
        warm_up = send(stack, session, len(IMAGES))
        during = send(stack, session, 300)
    finally:
        commands.shadow(stack.backend, stack.store, None)
    assert [(text, version) for text, version, _, _ in during[:100]] == [(t, v) for t, v, _, _ in before]
    assert {version for _, version, _, _ in during} == {"v1"}
    median_before = statistics.median(s for *_, s in before)
    median_during = statistics.median(s for *_, s in during)
    assert median_during < median_before * 1.5 + 0.010, (median_before, median_during)

    time.sleep(1)  # the last mirrored copies finish
    figures = compare_json(stack)
    ids = {request_id for _, _, request_id, _ in warm_up + during}
    assert figures["pairs"] >= 300 and figures["unmatched"]["stable_only"] <= 10
    assert figures["stable"]["version"] == "v1" and figures["shadow"]["version"] == "v2"
    # v1 and v2 read some of these lines differently: the report shows exactly how often, with ids.
    expected = agreement_of_direct_readings()
    assert expected < 0.9 and abs(figures["agreement_rate"] - expected) < 0.02 and figures["character_disagreement"] > 0
    listed = [rid for entry in figures["top_disagreements"] for rid in entry["request_ids"]]
    assert listed and set(listed) <= ids
    assert {entry["stable_text"] for entry in figures["top_disagreements"]} <= {text for text, *_ in during}

    # The same figures gate a rollout when the config asks for agreement: v2 disagrees with v1 too often.
    config = RolloutConfig.load(DEFAULT_CONFIG, prechecks={"smoke_dir": "deploy/smoke", "max_accuracy_drop": 0.02,
                                                           "min_shadow_agreement": 0.95})
    with pytest.raises(UnsafeMove, match="agrees with v1 on"):
        Runner(stack.backend, stack.store, config, out=lambda line: None).start("v2")


def test_a_client_cannot_make_a_service_log_as_shadowed(stack, session):
    response = session.post(f"{stack.url}/ocr", data=IMAGES[0], timeout=10,
                            headers={"Content-Type": "image/png", "X-Shadow-Role": "shadow"})
    request_id = response.headers["X-Request-Id"]
    time.sleep(0.3)
    [line] = [json.loads(line) for line in stack.backend.version_log("v1").splitlines() if request_id in line]
    assert "shadow_role" not in line and "texts" not in line


def test_promoting_the_shadow_version_stops_the_shadow(stack):
    commands.shadow(stack.backend, stack.store, "v2")
    state = commands.promote(stack.backend, stack.store)
    assert (state.stable, state.shadow) == ("v2", None)
