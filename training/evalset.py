"""The fixed evaluation set: never trained on, rendered with a fixed seed, half in unseen fonts.

Texts come from their own seeded generator (so training can exclude them without rendering), and
every other line is drawn in a font reserved for evaluation, so the model card can report seen-font
vs unseen-font accuracy. A separate blind set of Latin lines uses reserved faces that nobody looked at
while designing training recipes.
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
    group: str = ""  # a further group the line is also scored in (the colour set's near-equal-luminance pairs)


def _next_text(sampler: TextSampler, source: str, accept=lambda text: True) -> str:
    """The next sampled ``source`` text that is not blank, inside the charset and accepted."""
    while True:
        text = sampler.sample(source)
        if text.strip() and default_charset().covers(text) and accept(text):
            return text


@lru_cache(maxsize=4)
def evaluation_texts(lines_per_category: int = LINES_PER_CATEGORY) -> tuple[tuple[str, str], ...]:
    """(category, text) pairs; 'hard' lines borrow their text from the other categories in turn."""
    sampler = TextSampler(random.Random(EVAL_SEED))
    return tuple((category, _next_text(sampler, CATEGORIES[i % len(CATEGORIES)] if category == "hard" else category))
                 for category in EVAL_CATEGORIES for i in range(lines_per_category))


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
    items = []
    for category in BLIND_CATEGORIES:
        for _ in range(lines_per_category):
            text = _next_text(sampler, category, lambda text: bool(fonts_for(text, EVAL_BLIND_FONTS)))
            font = rng.choice(fonts_for(text, EVAL_BLIND_FONTS))
            items.append(EvalItem(category, text, font.name, False, render_line(text, font, rng, TRAIN)))
    return items
