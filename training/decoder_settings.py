"""Choose a version's beam-search settings on lines of text neither the network nor the language model has met,
and give the version its decoder: `python -m training.decoder_settings --version v2 [--write]`.

The lines are drawn as the served stage's own data is (its photo and screen recipes, two to one: their faces,
camera and screen effects, and mix of text), but every real line comes from sources no training line and no
language-model count draws from: the documentation files of another tenth of the installed packages, and the
Python source, docstrings and Chinese labels of four wheels training never read (minus any line a training
source or an evaluation sample holds), as the blind sets are unseen by both. Before, the settings were chosen on
lines only the language model had not counted; choosing on unseen text read the blind sets better
(training/experiments/decoder-unseen-evaluation.json; the length bonus moved, the weight did not).
Every (lm_weight, length_bonus) pair of the grid reads the same lines (the network runs once); greedy reading is
the baseline. `--write` copies the language model into the version folder and names it, its sha256 and the best
settings in the manifest's "decoder" entry (then `make eval VERSION=vN` re-scores the version as it now reads).
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
from ocr.runtime import Recognizer

from . import text_sources
from .corpus import TextSampler
from .dataset import RECIPES, render_shard
from .evalset_ui import reserved_texts, training_source_texts
from .language_model import MODELS_DIR, ORDER

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_MODEL = MODELS_DIR / f"chars-{ORDER}.json.gz"
# Market-data libraries like the one whose labels training reads: the same genre, none of the same files.
UNSEEN_WHEELS = ("tushare==1.4.29", "efinance==0.5.9", "adata==2.9.5", "baostock==0.9.4")
UNSEEN_DOCUMENTATION_SHARE = 1  # training reads share 0 of the documentation files
RECIPES_DRAWN = {"photo_labels": 2, "screen_labels": 1}  # as the served v2's stage drew its lines
LINES = 2400
SEED = 4_040_404
WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6)
BONUSES = (0.0, 0.4, 0.8, 1.2, 1.6, 2.0, 2.4)


@lru_cache(maxsize=1)
def unseen_text() -> dict[str, tuple[tuple[int, ...], tuple[str, ...]]]:
    """The real lines of each kind, minus every line a training source or an evaluation sample holds, in the
    order of their hash (with the hashes, for pick)."""
    seen = training_source_texts() | reserved_texts()
    chinese_docs = {line for wheel in UNSEEN_WHEELS for line in text_sources.chinese_documentation_lines(wheel)}
    found = {"prose": text_sources.documentation_lines(share=UNSEEN_DOCUMENTATION_SHARE),
             "source": text_sources.wheel_source_lines(UNSEEN_WHEELS),
             "zh_docs": chinese_docs, "zh_labels": text_sources.chinese_label_lines(UNSEEN_WHEELS)}
    return {kind: hash_ordered(set(lines) - seen) for kind, lines in found.items()}


def hash_ordered(lines) -> tuple[tuple[int, ...], tuple[str, ...]]:
    ordered = sorted((zlib.crc32(line.encode("utf-8")), line) for line in lines)
    return tuple(digest for digest, _ in ordered), tuple(line for _, line in ordered)


def pick(rng: random.Random, ordered: tuple[tuple[int, ...], tuple[str, ...]]) -> str:
    """The line whose hash follows a random point: a package that adds documentation changes only the picks that
    land on its own lines (choosing by index moved every pick after it, and the chosen settings)."""
    digests, lines = ordered
    return lines[bisect.bisect_left(digests, rng.getrandbits(32)) % len(lines)]


class UnseenTextSampler(TextSampler):
    """The recipes' texts, their real lines taken only from the unseen sources."""

    def _prose(self) -> str:
        return self._window(pick(self.rng, unseen_text()["prose"]))

    def _source(self) -> str:
        return self._window(pick(self.rng, unseen_text()["source"]))

    def _zh_docs(self) -> str:
        return self._wrapped(pick(self.rng, unseen_text()["zh_docs"]))

    def _zh_labels(self) -> str:
        return self._wrapped(pick(self.rng, unseen_text()["zh_labels"]))


def choice_lines(recognizer: Recognizer, count: int = LINES, seed: int = SEED
                 ) -> tuple[list[str], list[np.ndarray]]:
    """The texts and their lines, preprocessed the way the version reads, each recipe from a seed of its own."""
    texts, lines = [], []
    for offset, (recipe, share) in enumerate(RECIPES_DRAWN.items()):
        shard = render_shard(seed + offset, count * share // sum(RECIPES_DRAWN.values()), recognizer.options,
                             reserved_texts(), RECIPES[recipe], UnseenTextSampler, recognizer.charset)
        texts += shard.texts
        lines += shard.images
    return texts, lines


def grid_counts(recognizer: Recognizer, texts: list[str], lines: list[np.ndarray], lm: CharLanguageModel,
                batch_size: int = 16, grid: tuple[tuple[float, float], ...] | None = None
                ) -> tuple[int, dict[tuple[float, float], int]]:
    """Lines read exactly (as evaluated) greedily and with each (lm_weight, length_bonus) of the grid (by default
    every pair of WEIGHTS and BONUSES). A batch's probabilities are decoded and dropped: 2,400 lines of an 18 k-class
    recognizer would hold ~30 GB at once."""
    def right(decoded, text) -> int:
        return normalize_for_scoring(decoded.text) == normalize_for_scoring(text)

    grid = grid or tuple((weight, bonus) for weight in WEIGHTS for bonus in BONUSES)
    cells = {(weight, bonus): BeamSettings(weight, bonus) for weight, bonus in grid}
    greedy, counts = 0, dict.fromkeys(cells, 0)
    for start in range(0, len(lines), batch_size):
        batch = zip(texts[start:start + batch_size], recognizer.line_probabilities(lines[start:start + batch_size]))
        for text, probs in batch:
            greedy += right(decode_greedy(probs, recognizer.charset), text)
            for cell, settings in cells.items():
                counts[cell] += right(decode_beam(probs, recognizer.charset, lm, settings), text)
    return greedy, counts


def choose(directory: Path, lm: CharLanguageModel) -> dict:
    recognizer = Recognizer.from_directory(directory)
    texts, lines = choice_lines(recognizer)
    greedy, counts = grid_counts(recognizer, texts, lines, lm)
    (weight, bonus), best = max(counts.items(), key=lambda item: item[1])
    return {"lines": len(texts), "greedy_line_accuracy": round(greedy / len(texts), 4),
            "line_accuracy": round(best / len(texts), 4), "settings": {"lm_weight": weight, "length_bonus": bonus},
            "grid": {f"{w}/{b}": round(count / len(texts), 4) for (w, b), count in counts.items()}}


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
