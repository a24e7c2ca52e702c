"""The second evaluation set, made so that nothing in training was shaped by it: real interface strings.

Texts: English messages and their Simplified Chinese translations from the machine's gettext catalogues
(reserved for evaluation by ../shared/DATA-POLICY.md, a source no training recipe uses), sampled once with a
fixed seed into ``eval_texts/gettext-zh_CN.json`` so every machine scores the same lines. Half of the lines
are drawn in EVAL2_BLIND_FONTS (never trained on, never looked at), half in training faces; a quarter of the
line is small, faint and blurred (HARD). Its misreads are not read line by line: `evaluate` reports
totals only, so it stays a blind measure of how the models read text they have never met.
"""
from __future__ import annotations

import gettext
import json
import random
from functools import lru_cache
from pathlib import Path

from ocr.charset import default_charset, normalize_text

from . import text_sources
from .evalset import EvalItem, evaluation_texts
from .fonts import EVAL2_BLIND_FONTS, TRAIN_FONTS, fonts_for
from .render import HARD, TRAIN, colourize, render_line

TEXTS_PATH = Path(__file__).parent / "eval_texts" / "gettext-zh_CN.json"
PAGE_TEXTS_PATH = Path(__file__).parent / "eval_texts" / "gettext-zh_CN-pages.json"  # evalpages draws from it
# The large group: 2,000 further lines drawn like the UI set, for telling two stages apart. On 600 lines a
# standard error is ~1.8 points, more than most stages move; on 2,000 it is ~1.
LARGE_TEXTS_PATH = Path(__file__).parent / "eval_texts" / "gettext-zh_CN-large.json"
CATALOGUES = "/usr/share/locale/zh_CN/LC_MESSAGES/*.mo"
UI_SEED = 20261125
LARGE_SEED = UI_SEED + 13
LINES_PER_LANGUAGE = 300
LARGE_LINES_PER_LANGUAGE = 1000
# (ink, paper) of real signs and screens: white on road-sign blue, motorway green, red, brown and orange, black
# on yellow, yellow on black, red and link blue on white, grey on white, white on yellow, and three pairs of
# nearly equal luminance (red on green, blue on red, green on orange). Chosen from signage and interface
# conventions, not from training's colour draws (render._colour_pair).
SIGN_COLOURS = (
    ((255, 255, 255), (0, 82, 147)), ((255, 255, 255), (0, 112, 60)), ((255, 255, 255), (200, 16, 46)),
    ((255, 255, 255), (110, 60, 30)), ((255, 255, 255), (240, 120, 0)), ((20, 20, 20), (255, 205, 0)),
    ((255, 210, 0), (25, 25, 25)), ((200, 30, 30), (250, 250, 250)), ((26, 13, 171), (255, 255, 255)),
    ((110, 110, 110), (255, 255, 255)), ((255, 255, 255), (240, 200, 40)), ((200, 40, 40), (40, 140, 60)),
    ((30, 60, 200), (210, 40, 40)), ((20, 150, 70), (235, 110, 30)),
)
NEAR_LUMINANCE = "near_luminance"  # the colour set's group of the last three pairs (luminance 13 to 36 apart)


def _is_hanzi_line(line: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in line)


def extract_texts(pattern: str = CATALOGUES, per_language: int = LINES_PER_LANGUAGE, seed: int = UI_SEED,
                  exclude: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """A seeded sample of one-line messages (English msgids, Chinese msgstrs inside the charset), none in exclude."""
    import glob

    charset = default_charset()
    english, chinese = set(), set()
    for path in sorted(glob.glob(pattern)):
        with open(path, "rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 - the parsed .mo, read-only
        for message_id, translation in catalogue.items():
            message_id = message_id[0] if isinstance(message_id, tuple) else message_id
            english.update(line.strip() for line in message_id.split("\n")
                           if 4 <= len(line.strip()) <= 60 and line.isascii() and line.strip().isprintable())
            chinese.update(normalize_text(line.strip()) for line in translation.split("\n")
                           if 2 <= len(normalize_text(line.strip())) <= 30 and _is_hanzi_line(line)
                           and charset.covers(normalize_text(line.strip())))
    rng = random.Random(seed)
    return {"en": rng.sample(sorted(english - exclude), per_language),
            "zh": rng.sample(sorted(chinese - exclude), per_language)}


@lru_cache(maxsize=3)  # one per sample: reserved_texts reads all three
def ui_texts(path: Path = TEXTS_PATH) -> tuple[tuple[str, str], ...]:
    """(language, text) pairs, en first, as committed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple((language, text) for language in ("en", "zh") for text in data[language])


def sample_texts(*paths: Path) -> frozenset[str]:
    return frozenset(text for path in paths for _, text in ui_texts(path))


def reserved_texts() -> frozenset[str]:
    """Every text of the gettext samples: training never draws them."""
    return sample_texts(TEXTS_PATH, PAGE_TEXTS_PATH, LARGE_TEXTS_PATH)


def every_evaluation_text() -> frozenset[str]:
    """The texts of every evaluation set, the first set's and the gettext samples: no training line draws them and the
    language model does not count them."""
    return frozenset(text for _, text in evaluation_texts()) | reserved_texts()


def training_source_texts() -> frozenset[str]:
    """Every line of the real-text sources training draws from: the large group leaves them out, since shards
    rendered before it existed could not (render_cache excludes only the samples)."""
    return frozenset(line for source in (text_sources.documentation_lines, text_sources.python_source_lines,
                                         text_sources.english_message_lines,
                                         text_sources.chinese_documentation_lines,
                                         text_sources.chinese_label_lines, text_sources.chinese_dictionary_lines)
                     for line in source())


def build_ui_set(texts_path: Path = TEXTS_PATH, seed: int = UI_SEED + 1) -> list[EvalItem]:
    """Categories en / zh; ``seen_font`` False for the blind faces; hard lines are scored in both groups."""
    rng = random.Random(seed)
    items = []
    for position, (language, text) in enumerate(ui_texts(texts_path)):
        blind = position % 2 == 0
        fonts = fonts_for(text, EVAL2_BLIND_FONTS if blind else TRAIN_FONTS)
        if not fonts:  # a blind Latin face cannot draw the text (rare symbols): a blind hanzi face can
            blind, fonts = True, fonts_for(text, EVAL2_BLIND_FONTS) or fonts_for(text, TRAIN_FONTS)
        font = rng.choice(fonts)
        augmentation = HARD if position % 8 in (1, 2) else TRAIN  # a quarter, half of them blind
        items.append(EvalItem(language, text, font.name, not blind, render_line(text, font, rng, augmentation)))
    return items


def build_ui_colour_set(every: int = 3) -> list[EvalItem]:
    """Every third UI text in a blind face, drawn in a sign or screen colour pair (SIGN_COLOURS) with a camera's
    noise in each channel, saved as a JPEG as a photo would be. Blind, like the UI set: totals only."""
    import io

    import numpy as np
    from PIL import Image

    rng = random.Random(UI_SEED + 2)
    noise = np.random.default_rng(UI_SEED + 3)
    items = []
    for language, text in ui_texts()[::every]:
        fonts = fonts_for(text, EVAL2_BLIND_FONTS)
        if not fonts:
            continue
        font = rng.choice(fonts)
        line = render_line(text, font, rng, TRAIN)
        pair = rng.choice(SIGN_COLOURS)
        image = np.asarray(colourize(line, *pair), dtype=np.float32)
        image = Image.fromarray(np.clip(image + noise.normal(0, 6, image.shape), 0, 255).astype(np.uint8))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
        items.append(EvalItem(language, text, font.name, False, Image.open(io.BytesIO(buffer.getvalue())),
                              NEAR_LUMINANCE if pair in SIGN_COLOURS[-3:] else ""))
    return items


def build_large_ui_set() -> list[EvalItem]:
    """The large group: drawn like the UI set (half in the blind faces, a quarter hard), blind like it."""
    return build_ui_set(LARGE_TEXTS_PATH, LARGE_SEED + 1)


def write_sample(path: Path, count: int, seed: int, exclude: frozenset[str] = frozenset()) -> None:
    path.parent.mkdir(exist_ok=True)
    sample = extract_texts(per_language=count, seed=seed, exclude=exclude)
    path.write_text(json.dumps(sample, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":  # writes the committed samples that are missing; run once, on a machine with the catalogues
    for path, count, seed in ((TEXTS_PATH, LINES_PER_LANGUAGE, UI_SEED), (PAGE_TEXTS_PATH, 800, UI_SEED + 7)):
        if not path.exists():
            write_sample(path, count, seed)
    if not LARGE_TEXTS_PATH.exists():  # none of the other samples' texts, none of a training source's lines
        write_sample(LARGE_TEXTS_PATH, LARGE_LINES_PER_LANGUAGE, LARGE_SEED,
                     sample_texts(TEXTS_PATH, PAGE_TEXTS_PATH) | training_source_texts())
