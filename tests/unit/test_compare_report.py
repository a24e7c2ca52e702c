"""The A/B report's joining and figures, from log lines as the services write them."""
import json

from canary.compare import report, shadow_answers


def line(request_id, role, text, version, confidence=0.9, latency=10.0, status=200):
    return json.dumps({"event": "inference", "request_id": request_id, "shadow_role": role, "texts": [text],
                       "version": version, "mean_confidence": confidence, "latency_ms": latency, "status": status})


def test_answers_are_joined_by_request_id_and_disagreements_ranked():
    stable_log = "\n".join(["[INFO] gunicorn says hello", line("a", "primary", "2026", "v1"),
                            line("b", "primary", "hello", "v1"), line("c", "primary", "hello", "v1"),
                            line("d", "primary", "abc", "v1"), line("x", None, "not shadowed", "v1")])
    shadow_log = "\n".join([line("a", "shadow", "2026", "v2", 0.95, 20), line("b", "shadow", "hallo", "v2"),
                            line("c", "shadow", "hallo", "v2"), line("e", "shadow", "orphan", "v2"),
                            line("d", "shadow", "error", "v2", status=500)])
    figures = report(shadow_answers(stable_log, "primary"), shadow_answers(shadow_log, "shadow"))
    assert figures["pairs"] == 3  # d failed on the shadow side, e and x have no partner
    assert figures["agreement_rate"] == round(1 / 3, 4)
    assert figures["character_disagreement"] == round((0 + 0.2 + 0.2) / 3, 4)
    assert figures["top_disagreements"] == [{"stable_text": "hello", "shadow_text": "hallo", "count": 2,
                                             "request_ids": ["b", "c"]}]
    assert figures["unmatched"] == {"stable_only": 1, "shadow_only": 1}
    assert (figures["stable"]["version"], figures["shadow"]["version"]) == ("v1", "v2")


def test_no_shadowed_requests_gives_an_empty_report():
    assert report({}, {}) == {"pairs": 0}
