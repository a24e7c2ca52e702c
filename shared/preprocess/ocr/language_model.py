"""A character n-gram language model for the CTC beam search (ocr.ctc.decode_beam).

The recognizer often ranks the right line second: measured on freshly rendered training-distribution lines,
v2's greedy reading was right for 68% of them and the right text was among the 10 best CTC prefixes for 83%.
What tells "will" from "wll" or 潜 from 渤 there is which characters follow which in real text, so the
beam's prefixes are scored by this model too.

Scores are "stupid backoff" (Brants et al., 2007): log P(c | context) is the relative frequency of the longest
context seen with c, minus BACKOFF for each context character dropped. It is not a normalised distribution,
which a beam's ranking does not need, and it needs only one table: n-gram -> log relative frequency.
A character is scored by how much more likely its context makes it than it is alone, log P(c | context) -
log P(c): a hanzi costs some 9 nats on its own, a Latin letter 3, so raw probabilities make the beam drop
Chinese characters (measured on 800 held-out lines read 72.1% greedily: raw scores gave at best 72.5%, and
69.4% at a larger weight; these give 75.6%).

The file is gzipped JSON ({"order", "floor", "steps"}); it travels in the version folder like the ONNX file,
named and hashed by the manifest, so a version reads the same way wherever it runs. Scores are kept as
-log P in 1/16ths of a nat, small integers Python shares between all the table's entries: the 408 k n-grams
take some 40 MB in each worker instead of 60.
"""
from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

BACKOFF = math.log(0.4)  # per dropped context character (the value of the original paper)
STEPS_PER_NAT = 16
_MAX_STEPS = 255  # -log P beyond 16 nats (one in 9 million) is clipped: CPython shares the ints 0..256


class CharLanguageModel:
    def __init__(self, order: int, steps: dict[str, int], floor: float) -> None:
        """``steps``: n-gram -> -log P(last character | the others) in 1/STEPS_PER_NAT nats."""
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order, self.steps, self.floor = order, steps, floor

    @classmethod
    def load(cls, path: Path) -> CharLanguageModel:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        return cls(int(data["order"]), data["steps"], float(data["floor"]))

    def save(self, path: Path) -> None:
        body = {"order": self.order, "floor": self.floor, "steps": dict(sorted(self.steps.items()))}
        # No name nor time in the gzip header: the same model gives the same bytes, the same sha256.
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle:
            handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    def score(self, context: str, char: str) -> float:
        """log P(char | the last order-1 characters of context) - log P(char), backed off. Blind to letter case
        (counted from lower-cased text, looked up in lower case): a title, a button or a sign capitalises where
        prose would not, which only the glyphs show (scored with case, the model turned v2's confident
        "Hello World" into "Hello world")."""
        char = char.lower()
        alone = self.steps.get(char)
        alone = self.floor if alone is None else -alone / STEPS_PER_NAT
        context = context[len(context) - self.order + 1:].lower() if self.order > 1 else ""
        penalty = 0.0
        for start in range(len(context)):
            found = self.steps.get(context[start:] + char)
            if found is not None:
                return penalty - found / STEPS_PER_NAT - alone
            penalty += BACKOFF
        return penalty


def count_ngrams(lines, order: int, weights=None) -> dict[str, float]:
    """Weighted counts of every n-gram (1..order) in lines; a line is framed by a space on each side, so
    that the starts and ends of words and lines are n-grams too."""
    counts: dict[str, float] = {}
    for index, line in enumerate(lines):
        weight = 1.0 if weights is None else weights[index]
        text = f" {line} "
        for n in range(1, order + 1):
            for start in range(len(text) - n + 1):
                gram = text[start:start + n]
                counts[gram] = counts.get(gram, 0.0) + weight
    return counts


def from_counts(counts: dict[str, float], order: int, min_count: float = 2.0) -> CharLanguageModel:
    """Stupid-backoff scores from n-gram counts; n-grams (but single characters) seen fewer than min_count times are
    dropped (they cost most of the file and say least)."""
    total = sum(value for gram, value in counts.items() if len(gram) == 1)
    steps = {}
    for gram, value in counts.items():
        if len(gram) > 1 and value < min_count:
            continue
        context = counts.get(gram[:-1]) if len(gram) > 1 else total
        if context:
            steps[gram] = min(_MAX_STEPS, round(-math.log(value / context) * STEPS_PER_NAT))
    floor = -_MAX_STEPS / STEPS_PER_NAT  # a character never seen: as rare as the rarest
    return CharLanguageModel(order, steps, floor)
