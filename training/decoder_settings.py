"""Choose a version's beam-search settings on lines the language model never counted, and give the version
its decoder: `python -m training.decoder_settings --version v2 [--write]`.

The lines are drawn like the photo recipe's (its fonts, its camera effects, its mix of text), but their real
text comes only from the documentation and source lines training/language_model.py holds out, so the weight
is chosen on text the model has not counted, and on none of the evaluation sets. Every (lm_weight,
length_bonus) pair of the grid reads the same lines (the network runs once); greedy reading is the baseline.
`--write` copies the language model into the version folder and names it, its sha256 and the best settings
in the manifest's "decoder" entry (then `make eval VERSION=vN` re-scores the version as it now reads).
"""
from __future__ import annotations

import argparse
import bisect
import json
import random
import shutil
import zlib
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import numpy as np

from ocr.charset import normalize_for_scoring
from ocr.ctc import BeamSettings, decode_beam, decode_greedy
from ocr.language_model import CharLanguageModel
from ocr.manifest import load_version, sha256_of, write_manifest
from ocr.preprocess import ImageInputError, preprocess
from ocr.runtime import Recognizer

from .corpus import TextSampler
from .dataset import REAL_TEXT
from .fonts import PHOTO_FONTS, fonts_for
from .language_model import MODELS_DIR, ORDER, held_out
from .render import PHOTO, render_line
from .text_sources import documentation_lines, python_source_lines

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_MODEL = MODELS_DIR / f"chars-{ORDER}.json.gz"
LINES = 800
SEED = 4_040_404
WEIGHTS = (0.2, 0.3, 0.4, 0.5)
BONUSES = (0.0, 0.4, 0.8, 1.2)


@lru_cache(maxsize=2)
def _held_out(source) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The held-out lines in the order of their hash, and the hashes."""
    ordered = sorted((zlib.crc32(line.encode("utf-8")), line) for line in set(source()) if held_out(line))
    return tuple(digest for digest, _ in ordered), tuple(line for _, line in ordered)


def pick(rng: random.Random, source) -> str:
    """The held-out line whose hash follows a random point: a package that adds documentation changes only the
    picks that land on its own lines (choosing by index moved every pick after it, and the chosen settings)."""
    digests, lines = _held_out(source)
    return lines[bisect.bisect_left(digests, rng.getrandbits(32)) % len(lines)]


class HeldOutSampler(TextSampler):
    """The photo recipe's texts, its real lines taken only from those the language model did not count."""

    def _prose(self) -> str:
        return self._window(pick(self.rng, documentation_lines))

    def _source(self) -> str:
        return self._window(pick(self.rng, python_source_lines))


def held_out_lines(recognizer: Recognizer, count: int = LINES, seed: int = SEED) -> list[tuple[str, np.ndarray]]:
    """(text, preprocessed line) pairs, the line preprocessed the way the version reads."""
    rng = random.Random(seed)
    sampler = HeldOutSampler(rng)
    categories, weights = zip(*REAL_TEXT.items())
    lines = []
    while len(lines) < count:
        text = sampler.sample(rng.choices(categories, weights)[0])
        fonts = fonts_for(text, PHOTO_FONTS)
        if not text.strip() or not recognizer.charset.covers(text) or not fonts:
            continue
        try:
            lines.append((text, preprocess(render_line(text, rng.choice(fonts), rng, PHOTO), recognizer.options)))
        except ImageInputError:
            continue
    return lines


def probabilities(recognizer: Recognizer, lines: list[np.ndarray], batch_size: int = 16) -> list[np.ndarray]:
    """Each line's per-frame class probabilities (frames, classes), as the runtime computes them."""
    return [probs for start in range(0, len(lines), batch_size)
            for probs in recognizer.line_probabilities(lines[start:start + batch_size])]


def line_accuracy(texts, probs, charset, lm=None, settings=None) -> float:
    """Lines read exactly (as evaluated): greedily, or by the beam search with ``lm`` and ``settings``."""
    right = 0
    for text, prob in zip(texts, probs):
        decoded = decode_greedy(prob, charset) if lm is None else decode_beam(prob, charset, lm, settings)
        right += normalize_for_scoring(decoded.text) == normalize_for_scoring(text)
    return right / len(texts)


def choose(directory: Path, lm: CharLanguageModel) -> dict:
    recognizer = Recognizer.from_directory(directory)
    texts, lines = zip(*held_out_lines(recognizer))
    probs = probabilities(recognizer, list(lines))
    greedy = line_accuracy(texts, probs, recognizer.charset)
    grid = {(weight, bonus): line_accuracy(texts, probs, recognizer.charset, lm, BeamSettings(weight, bonus))
            for weight in WEIGHTS for bonus in BONUSES}
    (weight, bonus), best = max(grid.items(), key=lambda item: item[1])
    return {"lines": len(texts), "greedy_line_accuracy": round(greedy, 4), "line_accuracy": round(best, 4),
            "settings": {"lm_weight": weight, "length_bonus": bonus},
            "grid": {f"{w}/{b}": round(value, 4) for (w, b), value in grid.items()}}


def give_decoder(directory: Path, settings: dict, chosen_on: dict, model_path: Path = LANGUAGE_MODEL) -> None:
    """Copy the language model into the version folder and name it, with the beam's settings (and the figures
    they were chosen on), in the manifest."""
    bundle = load_version(directory)
    shutil.copyfile(model_path, directory / model_path.name)
    decoder = {"language_model": {"artifact": model_path.name, "sha256": sha256_of(directory / model_path.name),
                                  "order": ORDER, "source": "training/language_model.py"},
               "settings": {**asdict(BeamSettings()), **settings},
               "chosen_on": chosen_on}
    write_manifest(directory, {**bundle.manifest, "decoder": decoder})
    load_version(directory)  # verified as the service will


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--dir", type=Path, help="this version folder instead of services/ocr-VERSION")
    parser.add_argument("--model", type=Path, default=LANGUAGE_MODEL)
    parser.add_argument("--write", action="store_true", help="give the version this decoder")
    args = parser.parse_args()
    directory = args.dir or ROOT / "services" / f"ocr-{args.version}"
    chosen = choose(directory, CharLanguageModel.load(args.model))
    print(json.dumps(chosen, indent=1))
    if args.write:
        give_decoder(directory, chosen["settings"],
                     {key: chosen[key] for key in ("lines", "greedy_line_accuracy", "line_accuracy")}, args.model)
        print(f"{directory / 'manifest.json'}: decoder {chosen['settings']}")


if __name__ == "__main__":
    main()
