"""The gateway's routing decision (gateway/routing.js), run on its own in node."""
import json
import shutil
import subprocess

import pytest

from tests.helpers import ROOT

HARNESS = """
const source = require('fs').readFileSync(process.argv[1], 'utf8').replace('export default', 'module.exports =');
const m = new module.constructor(); m._compile(source, 'routing.js');
const calls = JSON.parse(process.argv[3]);
console.log(JSON.stringify(calls.map(args => m.exports[process.argv[2]].apply(null, args))));
"""
STATE = {"stable": "v1", "canary": "v2", "canary_weight": 30, "deployed": ["v1", "v2"]}


def call(function, calls):
    node = shutil.which("node")
    assert node, "node runs the routing decision tests"
    out = subprocess.run([node, "-e", HARNESS, str(ROOT / "gateway" / "routing.js"), function, json.dumps(calls)],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return json.loads(out)


def decide(cases):
    return call("decide", [[c["state"], c["pinned"], c["key"], c["draw"], c.get("ejected", [])] for c in cases])


def test_a_versions_address_follows_from_its_name_alone():
    local, docker = ["127.0.0.1:{port}", 31000], ["ocr-{version}:8000", 0]
    assert call("addressOf", [["v1", *local], ["v12", *local], ["v3", *docker], ["v0042", *local]]) == [
        "127.0.0.1:31001", "127.0.0.1:31012", "ocr-v3:8000", "127.0.0.1:31042"]
    # Only a version's name has an address: the routing errors and anything odd in a state get none.
    assert call("addressOf", [[name, *local] for name in ("error404", "", "v12345", "v1:80", "x1", None)]) == [""] * 6


def test_pin_wins_over_sticky_key_and_weight():
    result = decide([{"state": {**STATE, "canary_weight": 100}, "pinned": "v1", "key": "someone", "draw": 0.0}])
    assert result == [{"version": "v1", "fallback": "", "reason": "pinned", "shadow": ""}]


def test_unknown_pin_fails_loudly_instead_of_falling_through():
    [result] = decide([{"state": STATE, "pinned": "v9", "key": "", "draw": 0.0}])
    assert result["status"] == 404 and "deployed: v1, v2" in result["message"]


@pytest.mark.parametrize("draw,expected", [(0.0, "v2"), (0.2999, "v2"), (0.3, "v1"), (0.99, "v1")])
def test_weighted_draw_sends_the_lowest_buckets_to_the_canary(draw, expected):
    [result] = decide([{"state": STATE, "pinned": "", "key": "", "draw": draw}])
    assert result["version"] == expected and result["reason"] == "weighted"
    assert result["fallback"] == ("v1" if expected == "v2" else "v2")


def test_sticky_keys_only_move_towards_the_canary_as_the_weight_rises():
    keys = [f"client-{i}" for i in range(300)]
    chosen = {}
    for weight in (10, 30, 60, 90):
        results = decide([{"state": {**STATE, "canary_weight": weight}, "pinned": "", "key": k, "draw": 0.5}
                          for k in keys])
        now = {k: r["version"] for k, r in zip(keys, results)}
        assert all(r["reason"] == "sticky" for r in results)
        assert not [k for k in keys if chosen.get(k) == "v2" and now[k] == "v1"]
        assert abs(sum(v == "v2" for v in now.values()) / len(keys) - weight / 100) < 0.08
        chosen = now


def test_no_canary_or_weight_zero_goes_to_stable_and_fails_over_to_any_other_deployed_version():
    results = decide([{"state": {**STATE, "canary_weight": 0}, "pinned": "", "key": "", "draw": 0.0},
                      {"state": {**STATE, "canary": None, "canary_weight": 0}, "pinned": "", "key": "x", "draw": 0},
                      {"state": {**STATE, "canary": None, "canary_weight": 0, "deployed": ["v1"]}, "pinned": "",
                       "key": "", "draw": 0.0}])
    assert [r["version"] for r in results] == ["v1", "v1", "v1"]
    assert [r["fallback"] for r in results] == ["v2", "v2", ""]  # only a lone version has nowhere to go


def test_only_what_stable_answers_is_mirrored_to_the_shadow():
    state = {**STATE, "canary": None, "canary_weight": 0, "deployed": ["v1", "v2", "v3"], "shadow": "v3"}
    results = decide([{"state": state, "pinned": "", "key": "", "draw": 0.5},
                      {"state": state, "pinned": "v1", "key": "", "draw": 0.5},
                      {"state": state, "pinned": "v2", "key": "", "draw": 0.5},
                      {"state": {**state, "canary": "v2", "canary_weight": 50}, "pinned": "", "key": "", "draw": 0.1},
                      {"state": {**state, "shadow": None}, "pinned": "", "key": "", "draw": 0.5}])
    assert [r["shadow"] for r in results] == ["v3", "v3", "", "", ""]


def test_an_ejected_version_is_skipped_by_unpinned_requests_only_while_another_can_answer():
    state = {**STATE, "canary_weight": 100, "shadow": None}
    results = decide([{"state": state, "pinned": "", "key": "", "draw": 0.0, "ejected": ["v2"]},
                      {"state": state, "pinned": "", "key": "someone", "draw": 0.0, "ejected": ["v2"]},
                      {"state": state, "pinned": "v2", "key": "", "draw": 0.0, "ejected": ["v2"]},
                      {"state": state, "pinned": "", "key": "", "draw": 0.0, "ejected": ["v1", "v2"]},
                      {"state": {**state, "canary_weight": 0, "shadow": "v2"}, "pinned": "", "key": "", "draw": 0.0,
                       "ejected": ["v2"]}])
    assert [r["version"] for r in results] == ["v1", "v1", "v2", "v2", "v1"]
    assert [r.get("avoided") for r in results] == ["v2", "v2", None, None, None]
    assert results[0]["fallback"] == "v2" and results[1]["reason"] == "sticky"
    assert results[4]["shadow"] == ""  # an ejected shadow gets no copies
