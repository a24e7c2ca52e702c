"""The fixed evaluation set: never trained on, rendered with a fixed seed, half in unseen fonts.

Texts come from their own seeded generator (so training can exclude them without rendering), and
every other line is drawn in a font reserved for evaluation, so the model card can report seen-font
vs unseen-font accuracy.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from ocr.charset import default_charset

from .corpus import CATEGORIES, TextSampler
from .fonts import EVAL_BLIND_FONTS, EVAL_UNSEEN_FONTS, TRAIN_FONTS, fonts_for
from .render import HARD, TRAIN, render_line

EVAL_SEED = 20261124
EVAL_CATEGORIES = CATEGORIES + ("hard",)
LINES_PER_CATEGORY = 200
BLIND_CATEGORIES = ("en", "num")
BLIND_LINES_PER_CATEGORY = 100


@dataclass(frozen=True)
class EvalItem:
    category: str
    text: str
    font: str
    seen_font: bool
    image: Image.Image


@lru_cache(maxsize=4)
def evaluation_texts(lines_per_category: int = LINES_PER_CATEGORY) -> tuple[tuple[str, str], ...]:
    """(category, text) pairs; 'hard' lines borrow their text from the other categories in turn."""
    rng = random.Random(EVAL_SEED)
    sampler = TextSampler(rng)
    charset = default_charset()
    pairs = []
    for category in EVAL_CATEGORIES:
        produced = 0
        while produced < lines_per_category:
            source = CATEGORIES[produced % len(CATEGORIES)] if category == "hard" else category
            text = sampler.sample(source)
            if text.strip() and charset.covers(text):
                pairs.append((category, text))
                produced += 1
    return tuple(pairs)


def build_evaluation_set(lines_per_category: int = LINES_PER_CATEGORY) -> list[EvalItem]:
    rng = random.Random(EVAL_SEED + 1)
    items = []
    for position, (category, text) in enumerate(evaluation_texts(lines_per_category)):
        seen = position % 2 == 0
        fonts = fonts_for(text, TRAIN_FONTS if seen else EVAL_UNSEEN_FONTS)
        if not fonts:  # an unseen Latin font cannot draw Chinese: fall back to the seen fonts
            seen, fonts = True, fonts_for(text, TRAIN_FONTS)
        font = rng.choice(fonts)
        image = render_line(text, font, rng, HARD if category == "hard" else TRAIN)
        items.append(EvalItem(category, text, font.name, seen, image))
    return items


def build_blind_set(lines_per_category: int = BLIND_LINES_PER_CATEGORY) -> list[EvalItem]:
    """Latin lines in the blind faces (EVAL_BLIND_FONTS), scored apart from the main set's groups."""
    rng = random.Random(EVAL_SEED + 2)
    sampler = TextSampler(rng)
    charset = default_charset()
    items = []
    for category in BLIND_CATEGORIES:
        produced = 0
        while produced < lines_per_category:
            text = sampler.sample(category)
            fonts = fonts_for(text, EVAL_BLIND_FONTS) if text.strip() and charset.covers(text) else ()
            if fonts:
                font = rng.choice(fonts)
                items.append(EvalItem(category, text, font.name, False, render_line(text, font, rng, TRAIN)))
                produced += 1
    return items
