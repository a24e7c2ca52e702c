"""`canary compare`: the A/B report over shadowed requests. Stable's answer (role primary) and the
shadow's answer (role shadow) to the same request share the gateway's request id in both services'
JSON inference logs; joined, they give agreement, character-level disagreement, confidence and latency."""
from __future__ import annotations

import collections
import json
import statistics
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ocr.charset import normalize_for_scoring

from .backends.base import Backend

TOP_DISAGREEMENTS = 20


@dataclass(frozen=True)
class Answer:
    request_id: str
    version: str
    text: str
    confidence: float | None
    latency_ms: float


def shadow_answers(log: str, role: str) -> dict[str, Answer]:
    """request id -> answer, from one service's log lines of the given shadow role."""
    answers = {}
    for line in log.splitlines():
        if not line.startswith("{"):
            continue  # gunicorn's own lines share the log
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") != "inference" or entry.get("shadow_role") != role or entry.get("status") != 200:
            continue
        answers[entry["request_id"]] = Answer(entry["request_id"], entry["version"], "\n".join(entry["texts"]),
                                              entry.get("mean_confidence"), entry["latency_ms"])
    return answers


def character_disagreement(reference: str, other: str) -> float:
    """Edit distance over the reference's length (the CER of one output against the other)."""
    return Levenshtein.distance(reference, other) / max(1, len(reference))


def quantile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


def report(primary: dict[str, Answer], shadow: dict[str, Answer]) -> dict:
    pairs = [(primary[rid], shadow[rid]) for rid in sorted(primary.keys() & shadow.keys())]
    if not pairs:
        return {"pairs": 0}
    agree = [normalize_for_scoring(a.text) == normalize_for_scoring(b.text) for a, b in pairs]
    disagreements = collections.defaultdict(list)
    for (a, b), same in zip(pairs, agree):
        if not same:
            disagreements[(a.text, b.text)].append(a.request_id)
    top = sorted(disagreements.items(), key=lambda item: -len(item[1]))[:TOP_DISAGREEMENTS]

    def side(answers: list[Answer]) -> dict:
        confidences = [a.confidence for a in answers if a.confidence is not None]
        latencies = [a.latency_ms for a in answers]
        return {"version": answers[0].version,
                "mean_confidence": round(statistics.fmean(confidences), 4) if confidences else None,
                "latency_p50_ms": quantile(latencies, 0.5), "latency_p95_ms": quantile(latencies, 0.95)}

    return {
        "pairs": len(pairs),
        "agreement_rate": round(sum(agree) / len(pairs), 4),
        "character_disagreement": round(statistics.fmean(
            character_disagreement(normalize_for_scoring(a.text), normalize_for_scoring(b.text)) for a, b in pairs), 4),
        "stable": side([a for a, _ in pairs]),
        "shadow": side([b for _, b in pairs]),
        "top_disagreements": [{"stable_text": a, "shadow_text": b, "count": len(ids), "request_ids": ids[:5]}
                              for (a, b), ids in top],
        "unmatched": {"stable_only": len(primary.keys() - shadow.keys()),
                      "shadow_only": len(shadow.keys() - primary.keys())},
    }


def compare(backend: Backend, stable: str, shadow: str) -> dict:
    return report(shadow_answers(backend.version_log(stable), "primary"),
                  shadow_answers(backend.version_log(shadow), "shadow"))


def render(figures: dict) -> str:
    if not figures["pairs"]:
        return "no shadowed requests yet (make shadow VERSION=vN, then send traffic)"
    stable, shadow = figures["stable"], figures["shadow"]
    lines = [f"{figures['pairs']} shadowed requests: {stable['version']} (stable) vs {shadow['version']} (shadow)",
             f"agreement (exact, as evaluated): {figures['agreement_rate']:.1%}",
             f"character disagreement (CER between the outputs): {figures['character_disagreement']:.2%}",
             "", "| | stable | shadow |", "|---|---|---|",
             f"| version | {stable['version']} | {shadow['version']} |",
             f"| mean confidence | {stable['mean_confidence']} | {shadow['mean_confidence']} |",
             f"| latency p50 (ms, in the service) | {stable['latency_p50_ms']} | {shadow['latency_p50_ms']} |",
             f"| latency p95 (ms, in the service) | {stable['latency_p95_ms']} | {shadow['latency_p95_ms']} |"]
    if figures["top_disagreements"]:
        lines += ["", "most frequent disagreements (stable -> shadow, count, request ids):"]
        lines += [f"  {d['stable_text']!r} -> {d['shadow_text']!r}  x{d['count']}  {', '.join(d['request_ids'])}"
                  for d in figures["top_disagreements"]]
    return "\n".join(lines)
