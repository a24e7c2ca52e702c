"""Line recognizers side by side: v1, v2 and the imported PaddleOCR recognizers (PP-OCRv4 mobile, PP-OCRv6
small, made versions by training.import_models in a temporary folder), each at its own input size for a line
320 px wide at height 32 (48 high for the PaddleOCR models: the same line scaled), 1 and 2 threads, interleaved
in one run, with their accuracy on the blind gettext UI set beside the timings: read greedily (the network
alone) and as served (the beam search with the language model), and what that decoding costs per line."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ocr.manifest import load_version
from ocr.preprocess import pad_batch, preprocess
from ocr.runtime import Recognizer
from training.evalset_ui import build_ui_colour_set, build_ui_set
from training.evaluate import evaluate
from training.import_models import import_version

from .stats import summary, time_calls

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 200
IMPORTED = ("ppocrv4-mobile", "ppocrv6-small")
DECODED_LINES = 150  # UI lines whose decoding is timed, one by one


def one_line_batch(recognizer: Recognizer) -> np.ndarray:
    """A 320-px-wide line at height 32, in the recognizer's own input (scaled to its height)."""
    options = recognizer.options
    width = 320 * options.height // 32
    shape = (options.height, width, 3) if options.style == "paddle" else (options.height, width)
    line = np.random.default_rng(0).integers(0, 255, shape).astype(np.uint8)
    return pad_batch([line], style=options.style)[0]


def decode_timings(recognizer: Recognizer, items) -> dict:
    """Milliseconds to decode one real line's network output as the version is served (beam and language
    model), over the first DECODED_LINES UI lines (a line's cost depends on how unsure the network is)."""
    timings = []
    for item in items[:DECODED_LINES]:
        probs = recognizer.line_probabilities([preprocess(item.image, recognizer.options)])[0]
        timings += time_calls(lambda: recognizer.decode(probs), 1, warmup=0)
    return summary(timings)


def section() -> list[str]:
    rows = ["## Line recognizers side by side (ONNX Runtime, batch 1)", "",
            f"One line 320 px wide at height 32 (the PaddleOCR models take it at height 48: 480 px wide), {REPEATS} "
            "runs per cell, the models interleaved per thread count in one run. Accuracy: the blind gettext UI set "
            "(600 lines; unseen_font = five faces no model here trained on) and its colour group (200 lines in sign "
            "and screen colours, blind faces), as served (beam search with the character language model; "
            "greedy: the network alone). Decode: the beam search's time per line on the first "
            f"{DECODED_LINES} UI lines, on top of the network's.", "",
            "| version | input | 1 thread median | p95 | 2 threads median | p95 | decode median / p95 | "
            "UI lines (greedy) | UI chars | UI blind-face lines | UI colour lines |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    items, colour_items = build_ui_set(), build_ui_colour_set()
    with tempfile.TemporaryDirectory() as folder:
        directories = {version: ROOT / "services" / f"ocr-{version}" for version in ("v1", "v2")}
        for source in IMPORTED:
            directories[source] = import_version(f"imported-{source}", source, Path(folder))
        timings = {name: {} for name in directories}
        for threads in (1, 2):
            recognizers = {name: Recognizer(load_version(path), threads=threads) for name, path in directories.items()}
            for name, recognizer in recognizers.items():
                batch = one_line_batch(recognizer)
                timings[name][threads] = summary(time_calls(lambda: recognizer.logits(batch), REPEATS))
        for name, path in directories.items():
            recognizer = Recognizer(load_version(path))
            report, colour = evaluate(recognizer, items), evaluate(recognizer, colour_items)["overall"]
            greedy = evaluate(Recognizer(load_version(path), language_model=False), items)["overall"]
            decode = decode_timings(recognizer, items)
            size = f"{recognizer.options.height}x{one_line_batch(recognizer).shape[3]}"
            one, two = timings[name][1], timings[name][2]
            rows.append(f"| {name} | {size} | {one['median_ms']} ms | {one['p95_ms']} ms | {two['median_ms']} ms | "
                        f"{two['p95_ms']} ms | {decode['median_ms']} / {decode['p95_ms']} ms | "
                        f"{report['overall']['line_accuracy']:.1%} ({greedy['line_accuracy']:.1%}) | "
                        f"{report['overall']['char_accuracy']:.1%} | {report['unseen_font']['line_accuracy']:.1%} | "
                        f"{colour['line_accuracy']:.1%} |")
    return rows
