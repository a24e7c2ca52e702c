"""CTC decoding with a confidence per character and per line: greedy, or a prefix beam search scored
by a character language model too.

CTC already collapses repeated frames; no text rule is applied afterwards (a repeat-collapsing
regex would turn "1000" into "100").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .charset import BLANK, Charset
from .language_model import CharLanguageModel


@dataclass(frozen=True)
class Decoded:
    text: str
    confidence: float
    chars: list[tuple[str, float]]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def collapse_path(path) -> list[tuple[int, int, int]]:
    """Best path -> [(class, first_frame, end_frame)] for each emitted symbol (blanks and repeats removed)."""
    emitted = []
    previous = BLANK
    for frame, cls in enumerate(path):
        cls = int(cls)
        if cls != BLANK and cls != previous:
            emitted.append([cls, frame, frame + 1])
        elif cls != BLANK and cls == previous:
            emitted[-1][2] = frame + 1
        previous = cls
    return [tuple(item) for item in emitted]


def decode_greedy(probs: np.ndarray, charset: Charset) -> Decoded:
    """Decode one line from per-frame class probabilities of shape (frames, classes).

    A character's confidence is its best frame probability within its run; the line's is the mean
    of its characters', or, for an empty line, the mean probability of the blank frames.
    """
    if probs.ndim != 2 or probs.shape[1] != charset.num_classes:
        raise ValueError(f"expected (frames, {charset.num_classes}) probabilities, got {probs.shape}")
    if probs.shape[0] == 0:
        return Decoded("", 0.0, [])
    path = probs.argmax(axis=1)
    chars = []
    for cls, start, end in collapse_path(path):
        confidence = float(probs[start:end, cls].max())
        chars.append((charset.alphabet[cls - 1], confidence))
    if chars:
        line_confidence = float(np.mean([confidence for _, confidence in chars]))
    else:
        line_confidence = float(probs[:, BLANK].mean())
    return Decoded("".join(char for char, _ in chars), line_confidence, chars)


def line_probabilities(logits: np.ndarray, frame_counts, probabilities: bool = False) -> list[np.ndarray]:
    """A padded batch of network outputs (batch, frames, classes) -> each line's per-frame class probabilities,
    its padding frames trimmed. ``probabilities``: the network already ends in a softmax (PaddleOCR's
    recognizers do)."""
    probs = logits.astype(np.float32) if probabilities else softmax(logits.astype(np.float32))
    return [probs[i, :count] for i, count in enumerate(frame_counts)]


@dataclass(frozen=True)
class BeamSettings:
    """The beam search's knobs, from the manifest's "decoder" entry.

    A line's score is log P_ctc(text) + lm_weight * log P_lm(text) + length_bonus * len(text): the bonus
    offsets the language model's cost per character, without which the beam prefers dropping characters."""

    # Defaults: what was chosen for v2 (training/decoder_settings.py); each manifest names its own.
    lm_weight: float = 0.2
    length_bonus: float = 0.8
    beam_width: int = 10
    min_probability: float = 1e-3  # a frame's classes below this are not tried


def _log_add(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high = max(a, b)
    return high + math.log1p(math.exp(-abs(a - b)))


class _Prefix:
    """One beam entry: the CTC log-probabilities of its text ending in a blank / in its last character, its
    language-model score and the confidence of each of its characters (best frame probability)."""

    __slots__ = ("blank", "char", "lm", "confidences")

    def __init__(self, lm: float, confidences: tuple[float, ...]) -> None:
        self.blank, self.char, self.lm, self.confidences = -math.inf, -math.inf, lm, confidences

    @property
    def ctc(self) -> float:
        return _log_add(self.blank, self.char)


def decode_beam(probs: np.ndarray, charset: Charset, lm: CharLanguageModel,
                settings: BeamSettings = BeamSettings()) -> Decoded:
    """The best line of a prefix beam search (Hannun et al., 2014) over probabilities (frames, classes),
    prefixes extended by a character scored by ``lm`` given the line so far (and the line's end, at the end)."""
    if probs.ndim != 2 or probs.shape[1] != charset.num_classes:
        raise ValueError(f"expected (frames, {charset.num_classes}) probabilities, got {probs.shape}")
    if probs.shape[0] == 0:
        return Decoded("", 0.0, [])
    alphabet = charset.alphabet
    log_probs = np.log(np.maximum(probs, 1e-30))
    beams = {"": _Prefix(0.0, ())}
    beams[""].blank = 0.0

    def rank(item: tuple[str, _Prefix]) -> float:
        text, prefix = item
        return prefix.ctc + settings.lm_weight * prefix.lm + settings.length_bonus * len(text)

    for frame in range(probs.shape[0]):
        candidates = np.flatnonzero(probs[frame] >= settings.min_probability)
        following: dict[str, _Prefix] = {}

        def entry(text: str, lm_score: float, confidences: tuple[float, ...]) -> _Prefix:
            found = following.get(text)
            if found is None:
                found = following[text] = _Prefix(lm_score, confidences)
            return found

        for text, prefix in beams.items():
            total = prefix.ctc
            last = text[-1] if text else None
            for cls in candidates:
                log_p = float(log_probs[frame, cls])
                if cls == BLANK:
                    kept = entry(text, prefix.lm, prefix.confidences)
                    kept.blank = _log_add(kept.blank, total + log_p)
                    continue
                char = alphabet[cls - 1]
                p = float(probs[frame, cls])
                if char == last:  # the same character again: collapsed, unless a blank came between
                    kept = entry(text, prefix.lm, prefix.confidences[:-1] + (max(prefix.confidences[-1], p),))
                    kept.char = _log_add(kept.char, prefix.char + log_p)
                    source = prefix.blank
                else:
                    source = total
                if source == -math.inf:
                    continue
                extended = entry(text + char, prefix.lm + lm.score(" " + text, char), prefix.confidences + (p,))
                extended.char = _log_add(extended.char, source + log_p)
        beams = dict(sorted(following.items(), key=rank, reverse=True)[:settings.beam_width])

    for text, prefix in beams.items():
        prefix.lm += lm.score(" " + text, " ")  # the line ends here: "wll" is not a word
    text, best = max(beams.items(), key=rank)
    chars = list(zip(text, best.confidences))
    confidence = float(np.mean(best.confidences)) if chars else float(probs[:, BLANK].mean())
    return Decoded(text, confidence, chars)
