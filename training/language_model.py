"""Build the character language model the beam search reads with (ocr.language_model), from text
../shared/DATA-POLICY.md allows: the documentation and Python source lines the photo recipe draws from, English
words by their frequency (wordfreq), real Chinese (a cloud SDK's API reference, the labels and messages of two
wheels, a dictionary's definitions and sayings: text_sources), and Chinese text made of jieba's and wordfreq's
words by sqrt(frequency) (by frequency itself, as the training lines draw them, every blind set read worse:
training/experiments/lm-chinese-frequency-evaluation.json).

Everything is counted in lower case: the model is blind to letter case (ocr.language_model), so "The" at the start
of a sentence counts as "the" does, and the table holds no upper-case n-grams it would never look up.

A tenth of the lines of each real source (by a hash of the line) is never counted (held_out). The decoder's
settings were chosen on them until training/experiments/decoder-unseen-evaluation.json moved the choice to text
neither the network nor this model meets (training/decoder_settings.py); the tenth stays out so the model is the
one every version's figures were measured with.

    python -m training.language_model            # writes training/language_models/chars-5.json.gz
    python -m training.language_model --chinese-power 1.0 --out DIR   # an experiment's model
"""
from __future__ import annotations

import argparse
import random
import zlib
from pathlib import Path

from ocr.charset import default_charset, normalize_text
from ocr.language_model import CharLanguageModel, count_ngrams, from_counts

from .corpus import chinese_words
from .evalset_ui import every_evaluation_text
from .text_sources import (browser_interface_lines, chinese_dictionary_lines, chinese_documentation_lines,
                           chinese_label_lines, documentation_lines, python_source_lines)

MODELS_DIR = Path(__file__).parent / "language_models"
ORDER = 5
HELD_OUT_SHARE = 10  # one line in ten
SEED = 20261202
CHINESE_SENTENCES = 400_000
CHINESE_POWER = 0.5  # words by sqrt(frequency): how the committed model was counted (1.0 read worse)
ENGLISH_WORDS = 50_000
MIN_COUNT = 10.0
_ZH_PUNCTUATION = "，，，。、；：？！"
# Real Chinese text by genre, every genre the training lines draw from: which words follow which. The API
# reference read v2's blind sets a little better than word runs alone (training/experiments/lm-docs-evaluation.json);
# the labels and the dictionary beside it read them as well again (training/experiments/lm-real-evaluation.json).
CHINESE_TEXT = {"documentation": chinese_documentation_lines, "labels": chinese_label_lines,
                "dictionary": chinese_dictionary_lines}
COUNTED_CHINESE = tuple(CHINESE_TEXT)
# What interfaces say (a browser's menus, dialogs and errors, both languages), a genre the sources above hardly hold.
# Counted once, they are some 1% of each language's text and MIN_COUNT drops nearly every 5-gram they bring; counted
# ten times (~9% of the English counts, ~15% of the Chinese: --interface-weight 10), they read no blind set better
# (training/experiments/lm-interface-evaluation.json), so the served model does not count them.
INTERFACE_WEIGHT = 0.0


def held_out(line: str) -> bool:
    return zlib.crc32(line.encode("utf-8")) % HELD_OUT_SHARE == 0


def real_lines() -> list[str]:
    """The documentation and source lines counted (held-out ones left out)."""
    return [line for source in (documentation_lines(), python_source_lines()) for line in source if not held_out(line)]


def interface_lines() -> list[str]:
    """The browser's English and Chinese strings cut at their value slots (what fills a slot is no part of the
    string), held-out lines and every evaluation text left out."""
    excluded = every_evaluation_text()
    return [piece.strip() for locale in ("en-US", "zh-CN") for line in browser_interface_lines(locale)
            if line not in excluded and not held_out(line) for piece in line.split("$1") if piece.strip()]


def english_word_weights() -> tuple[list[str], list[float]]:
    """The commonest English words (wordfreq's lists are lower case) with their frequencies."""
    from wordfreq import top_n_list, word_frequency

    words = [word for word in top_n_list("en", ENGLISH_WORDS) if word.isascii() and word.isalpha()]
    return words, [word_frequency(word, "en") for word in words]


def chinese_sentences(rng: random.Random, power: float = CHINESE_POWER) -> list[str]:
    """Runs of words drawn by frequency**power (jieba's dictionary), with punctuation now and then: which characters
    make words, and which words are common, though not which follow which."""
    words, cumulative = chinese_words(power=power)
    sentences = []
    for _ in range(CHINESE_SENTENCES):
        parts = rng.choices(words, cum_weights=cumulative, k=rng.randint(2, 8))
        text = "".join(part + (rng.choice(_ZH_PUNCTUATION) if rng.random() < 0.08 else "") for part in parts)
        sentences.append(text + (rng.choice("。！？") if rng.random() < 0.3 else ""))
    return sentences


def build(order: int = ORDER, min_count: float = MIN_COUNT, chinese_power: float = CHINESE_POWER,
          chinese_text: tuple[str, ...] = COUNTED_CHINESE, interface_weight: float = INTERFACE_WEIGHT
          ) -> CharLanguageModel:
    return from_counts(ngram_counts(order, chinese_power, chinese_text, interface_weight), order, min_count)


def ngram_counts(order: int, chinese_power: float = CHINESE_POWER, chinese_text: tuple[str, ...] = COUNTED_CHINESE,
                 interface_weight: float = INTERFACE_WEIGHT) -> dict[str, float]:
    counts = count_ngrams(_countable(real_lines()), order)
    real_total = sum(value for gram, value in counts.items() if len(gram) == 1)
    words, weights = english_word_weights()
    # The word list weighs as much as the real lines: it brings the vocabulary, they bring the case and
    # punctuation of real sentences.
    scale = real_total / sum(weights[i] * (len(word) + 2) for i, word in enumerate(words))
    _merge(counts, count_ngrams(words, order, [weight * scale for weight in weights]))
    chinese = chinese_sentences(random.Random(SEED), chinese_power)
    _merge(counts, count_ngrams(chinese, order))
    for genre in chinese_text:  # held-out lines left out
        _merge(counts, count_ngrams(_countable(line for line in CHINESE_TEXT[genre]() if not held_out(line)), order))
    if interface_weight:
        interface = _countable(interface_lines())
        _merge(counts, count_ngrams(interface, order, [interface_weight] * len(interface)))
    return counts


def _countable(lines) -> list[str]:
    """Lines as the model counts them: normalised, lower case, only those the charset can write."""
    charset = default_charset()
    return [line for line in (normalize_text(line).lower() for line in lines) if charset.covers(line)]


def _merge(into: dict[str, float], counts: dict[str, float]) -> None:
    for gram, value in counts.items():
        into[gram] = into.get(gram, 0.0) + value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--order", type=int, default=ORDER)
    parser.add_argument("--chinese-power", type=float, default=CHINESE_POWER,
                        help="Chinese words drawn by frequency**power (an experiment's model: write it with --out)")
    parser.add_argument("--chinese-text", nargs="*", choices=sorted(CHINESE_TEXT), default=list(COUNTED_CHINESE),
                        help="the real Chinese genres counted (none: the model before lm-docs; an experiment's)")
    parser.add_argument("--interface-weight", type=float, default=INTERFACE_WEIGHT,
                        help="times each interface line is counted (an experiment's model: write it with --out)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="folder the model is written to")
    args = parser.parse_args()
    model = build(args.order, chinese_power=args.chinese_power, chinese_text=tuple(args.chinese_text),
                  interface_weight=args.interface_weight)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"chars-{args.order}.json.gz"
    model.save(path)
    print(f"{path}: {len(model.steps):,} n-grams, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
