"""Greedy CTC decoding with a confidence per character and per line.

CTC already collapses repeated frames; no text rule is applied afterwards (a repeat-collapsing
regex would turn "1000" into "100").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .charset import BLANK, Charset


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


def decode_batch(logits: np.ndarray, frame_counts, charset: Charset, probabilities: bool = False) -> list[Decoded]:
    """Decode a padded batch of logits (batch, frames, classes); frame_counts trims each line's padding.
    ``probabilities``: the network already ends in a softmax (PaddleOCR's recognizers do)."""
    probs = logits.astype(np.float32) if probabilities else softmax(logits.astype(np.float32))
    return [decode_greedy(probs[i, :count], charset) for i, count in enumerate(frame_counts)]
