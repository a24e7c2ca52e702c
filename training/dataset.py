"""The pre-rendered line cache: shards of preprocessed lines, and width-bucketed batches over them.

Rendering a line costs about as much as a training step on it, so lines are rendered once into
shards (by a separate process while training runs) and read back as uint8 arrays.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ocr.charset import Charset, default_charset
from ocr.preprocess import ImageInputError, PreprocessOptions, preprocess

from .corpus import (CODES, EN_BROWSER, EN_MESSAGES, PROSE, SOURCE, TECH, ZH_BROWSER, ZH_DICTIONARY, ZH_DOCS, ZH_LABELS,
                     ZH_TEXT, TextSampler)
from .fonts import (BROAD_FONTS, FACES_FONTS, FIGURE_FONTS, HAN_FACES_FONTS, LATIN_FACES_FONTS, PHOTO_FONTS, TRAIN_FONTS,
                    WIDE_FONTS, FontSpec, fonts_for)
from .render import (HARD, PHOTO, PHOTO_COLOUR, PHOTO_VARIED, PHOTO_WARPED, SCREEN, SLANTED, SPACED, STEM_NINES, TRAIN,
                     Augmentation, render_line)

SHARD_SIZE = 2000
BALANCED = {"zh": 0.4, "en": 0.2, "num": 0.15, "mixed": 0.25}
# Fewer of the Chinese lines the model already reads (98.5% for v2 stage 3), more of what it misses.
LATIN_HEAVY = {"zh": 0.25, "en": 0.25, "num": 0.2, "mixed": 0.3}
# v2 stage 4 missed num lines most (89%): a quarter of each.
EVEN = {"zh": 0.25, "en": 0.25, "num": 0.25, "mixed": 0.25}
WITH_CODES = {"zh": 0.2, "en": 0.22, "num": 0.2, "mixed": 0.2, CODES: 0.18}
# Real text first: documentation prose and code keep their case and punctuation; Chinese UI-like text mixes
# Latin words, numbers and both widths of punctuation. The word-list categories stay as a third.
REAL_TEXT = {PROSE: 0.2, SOURCE: 0.08, TECH: 0.1, ZH_TEXT: 0.2, "zh": 0.12, "en": 0.06, "num": 0.1, "mixed": 0.08,
             CODES: 0.06}
# And a quarter real Chinese sentences (the word lists give words in no order), taken from the shares above.
DOCS_TEXT = {PROSE: 0.16, SOURCE: 0.06, TECH: 0.08, ZH_DOCS: 0.25, ZH_TEXT: 0.12, "zh": 0.08, "en": 0.05, "num": 0.08,
             "mixed": 0.06, CODES: 0.06}
# And the labels and messages of interfaces and tables beside the sentences, from the sentences' and the word-list
# Chinese shares.
LABELS_TEXT = {PROSE: 0.16, SOURCE: 0.06, TECH: 0.08, ZH_DOCS: 0.15, ZH_LABELS: 0.18, ZH_TEXT: 0.08, "zh": 0.04,
               "en": 0.05, "num": 0.08, "mixed": 0.06, CODES: 0.06}
# And English as programs write it to people (messages, titles, help), from the prose, source and word-list shares.
MESSAGES_TEXT = {PROSE: 0.10, SOURCE: 0.04, EN_MESSAGES: 0.14, TECH: 0.06, ZH_DOCS: 0.14, ZH_LABELS: 0.16,
                 ZH_TEXT: 0.08, "zh": 0.04, "en": 0.04, "num": 0.08, "mixed": 0.06, CODES: 0.06}
# The labels' Chinese shares exactly, with the English messages taken from the prose and source shares alone: the
# two stages that took share from the labels (MESSAGES_TEXT, DICTIONARY_TEXT) lost Chinese UI lines.
INTERFACE_TEXT = {PROSE: 0.08, SOURCE: 0.04, EN_MESSAGES: 0.12, TECH: 0.06, ZH_DOCS: 0.15, ZH_LABELS: 0.18,
                  ZH_TEXT: 0.08, "zh": 0.04, "en": 0.05, "num": 0.08, "mixed": 0.06, CODES: 0.06}
# And general written Chinese (a dictionary's definitions, folk sayings), from the technical Chinese shares: the
# sources above are all software, while signs, receipts and pages are not.
DICTIONARY_TEXT = {PROSE: 0.10, SOURCE: 0.04, EN_MESSAGES: 0.14, TECH: 0.06, ZH_DOCS: 0.08, ZH_LABELS: 0.10,
                   ZH_DICTIONARY: 0.16, ZH_TEXT: 0.06, "zh": 0.02, "en": 0.04, "num": 0.08, "mixed": 0.06, CODES: 0.06}

# And the interface strings of a browser in both languages (menus, settings, dialogs, errors), taken from the prose,
# source, messages and tech shares (English) and from the sentences', labels' and phrases' (Chinese).
BROWSER_TEXT = {PROSE: 0.04, SOURCE: 0.02, EN_MESSAGES: 0.08, EN_BROWSER: 0.12, TECH: 0.04, ZH_DOCS: 0.08,
                ZH_LABELS: 0.12, ZH_BROWSER: 0.15, ZH_TEXT: 0.06, "zh": 0.04, "en": 0.05, "num": 0.08, "mixed": 0.06,
                CODES: 0.06}
# The browser's English strings alone, taken from the prose, source and messages shares: the Chinese shares exactly as
# INTERFACE_TEXT's, since BROWSER_TEXT's English moved the right way while its Chinese, drawn from other shares, fell.
EN_BROWSER_TEXT = {PROSE: 0.04, SOURCE: 0.02, EN_MESSAGES: 0.06, EN_BROWSER: 0.12, TECH: 0.06, ZH_DOCS: 0.15,
                   ZH_LABELS: 0.18, ZH_TEXT: 0.08, "zh": 0.04, "en": 0.05, "num": 0.08, "mixed": 0.06, CODES: 0.06}


@dataclass(frozen=True)
class Recipe:
    """How training lines are drawn: the fonts, the share of hard lines, the augmentation of the rest,
    and the mix of text categories."""

    fonts: tuple[FontSpec, ...]
    hard_share: float
    augmentation: Augmentation
    categories: dict[str, float] = field(default_factory=lambda: BALANCED)


@dataclass(frozen=True)
class PageCrops:
    """Lines cut from composed pages by the served detector and crop (training/page_crops.py)."""

    fonts: tuple[FontSpec, ...]
    categories: dict[str, float]


# A config names its recipe; each recipe and data seed has its own cache folder (render_cache.cache_dir_for).
RECIPES = {
    "base": Recipe(TRAIN_FONTS, 0.12, TRAIN),
    "wide": Recipe(WIDE_FONTS, 0.15, SPACED),
    "broad": Recipe(BROAD_FONTS, 0.3, SPACED, LATIN_HEAVY),
    "slanted": Recipe(BROAD_FONTS, 0.3, SLANTED, EVEN),
    "figures": Recipe(FIGURE_FONTS, 0.3, SLANTED, EVEN),
    "codes": Recipe(FIGURE_FONTS, 0.3, SLANTED, WITH_CODES),
    "stem_nines": Recipe(FIGURE_FONTS, 0.3, STEM_NINES, WITH_CODES),
    "photo": Recipe(PHOTO_FONTS, 0.2, PHOTO, REAL_TEXT),
    # Half of the photo lines in a colour pair: for versions whose gray conversion is "contrast".
    "photo_colour": Recipe(PHOTO_FONTS, 0.2, PHOTO_COLOUR, REAL_TEXT),
    # And every face condensed, extended, bolder or lighter at times.
    "photo_varied": Recipe(PHOTO_FONTS, 0.2, PHOTO_VARIED, REAL_TEXT),
    # The same with the hard share of the recipes before photo (small, faint, blurred, noisy, JPEG lines).
    "photo_varied_hard": Recipe(PHOTO_FONTS, 0.3, PHOTO_VARIED, REAL_TEXT),
    # And hanzi in four more designs (fonts.HAN_EXTRA_FONTS).
    "photo_faces": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, REAL_TEXT),
    "page_crops": PageCrops(PHOTO_FONTS, REAL_TEXT),
    # Screenshots: every face at the pixel sizes of user interfaces, hinted, flat, sometimes resized or JPEG.
    "screen": Recipe(FACES_FONTS, 0.0, SCREEN, REAL_TEXT),
    # The photo, screen and page recipes with real Chinese sentences (DOCS_TEXT).
    "photo_docs": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, DOCS_TEXT),
    "screen_docs": Recipe(FACES_FONTS, 0.0, SCREEN, DOCS_TEXT),
    "page_crops_docs": PageCrops(PHOTO_FONTS, DOCS_TEXT),
    # And with real Chinese labels and messages (LABELS_TEXT).
    "photo_labels": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, LABELS_TEXT),
    "screen_labels": Recipe(FACES_FONTS, 0.0, SCREEN, LABELS_TEXT),
    "page_crops_labels": PageCrops(PHOTO_FONTS, LABELS_TEXT),
    # And with real English messages (MESSAGES_TEXT).
    "photo_messages": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, MESSAGES_TEXT),
    "screen_messages": Recipe(FACES_FONTS, 0.0, SCREEN, MESSAGES_TEXT),
    "page_crops_messages": PageCrops(PHOTO_FONTS, MESSAGES_TEXT),
    # And with the labels' Chinese and the messages' English (INTERFACE_TEXT).
    "photo_interface": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, INTERFACE_TEXT),
    "screen_interface": Recipe(FACES_FONTS, 0.0, SCREEN, INTERFACE_TEXT),
    "page_crops_interface": PageCrops(PHOTO_FONTS, INTERFACE_TEXT),
    # And with general written Chinese (DICTIONARY_TEXT).
    "photo_dictionary": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, DICTIONARY_TEXT),
    "screen_dictionary": Recipe(FACES_FONTS, 0.0, SCREEN, DICTIONARY_TEXT),
    "page_crops_dictionary": PageCrops(PHOTO_FONTS, DICTIONARY_TEXT),
    # The interface lines with half their glyphs bent into designs no installed face has (render.PHOTO_WARPED).
    "photo_warped": Recipe(FACES_FONTS, 0.3, PHOTO_WARPED, INTERFACE_TEXT),
    # The interface lines in 56 more Latin faces (fonts.MORE_LATIN_FONTS).
    "photo_latin_faces": Recipe(LATIN_FACES_FONTS, 0.3, PHOTO_VARIED, INTERFACE_TEXT),
    # And in 20 Japanese hanzi designs, each with a Chinese fallback for the hanzi it lacks (fonts.JAPANESE_HAN_FONTS).
    "photo_han_faces": Recipe(HAN_FACES_FONTS, 0.3, PHOTO_VARIED, INTERFACE_TEXT),
    # A browser's interface strings beside the interface text (BROWSER_TEXT), drawn as photos and as screens.
    "photo_browser": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, BROWSER_TEXT),
    "screen_browser": Recipe(FACES_FONTS, 0.0, SCREEN, BROWSER_TEXT),
    # Its English strings alone, the Chinese drawn as v2's own stage drew it (EN_BROWSER_TEXT).
    "photo_browser_en": Recipe(FACES_FONTS, 0.3, PHOTO_VARIED, EN_BROWSER_TEXT),
    "screen_browser_en": Recipe(FACES_FONTS, 0.0, SCREEN, EN_BROWSER_TEXT),
}


@dataclass
class Shard:
    images: list[np.ndarray]  # each (height, width) uint8
    texts: list[str]


def render_shard(seed: int, count: int, options: PreprocessOptions, excluded_texts: frozenset[str],
                 recipe: Recipe | PageCrops = RECIPES["base"], sampler_type: type[TextSampler] = TextSampler,
                 charset: Charset | None = None) -> Shard:
    """Render ``count`` training lines deterministically from ``seed``, skipping evaluation texts (and texts
    ``charset``, by default the training charset, cannot spell); ``sampler_type`` draws the texts."""
    rng = random.Random(seed)
    if isinstance(recipe, PageCrops):
        from .page_crops import render_crops  # loads the detector: only for this recipe

        return Shard(*render_crops(rng, count, options, excluded_texts, recipe.categories, recipe.fonts))
    sampler = sampler_type(rng)
    charset = charset or default_charset()
    categories, weights = zip(*recipe.categories.items())
    images, texts = [], []
    while len(texts) < count:
        text = sampler.sample(rng.choices(categories, weights)[0])
        if text in excluded_texts or not charset.covers(text) or not text.strip():
            continue
        fonts = fonts_for(text, recipe.fonts)
        if not fonts:
            continue
        augmentation = HARD if rng.random() < recipe.hard_share else recipe.augmentation
        image = render_line(text, rng.choice(fonts), rng, augmentation)
        try:
            images.append(preprocess(image, options))
        except ImageInputError:  # a long line in a narrow face: wider than the recognizer takes (64:1)
            continue
        texts.append(text)
    return Shard(images, texts)


def save_shard(shard: Shard, path: Path) -> None:
    widths = np.array([image.shape[1] for image in shard.images], dtype=np.int32)
    flat = np.concatenate([image.reshape(-1) for image in shard.images])
    # Its own name per process: two configs sharing a source may render the same shard at the same time.
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(temporary, pixels=flat, widths=widths, texts=np.array(json.dumps(shard.texts, ensure_ascii=False)))
    temporary.replace(path)  # a reader never sees a half-written shard


def load_shard(path: Path, height: int) -> Shard:
    with np.load(path) as data:
        flat, widths, texts = data["pixels"], data["widths"], json.loads(str(data["texts"]))
    offsets = np.concatenate([[0], np.cumsum(widths.astype(np.int64) * height)])
    images = [flat[offsets[i]: offsets[i + 1]].reshape(height, widths[i]) for i in range(len(widths))]
    return Shard(images, texts)


def shard_paths(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("shard_*[0-9].npz"))


def bucketed_batches(widths: list[int], batch_size: int, rng: random.Random, pool_batches: int = 50):
    """Index batches of similar width (little padding), in random order."""
    order = list(range(len(widths)))
    rng.shuffle(order)
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: widths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches
