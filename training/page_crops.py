"""Training lines the way serving cuts them: pages composed from training text and faces, cut into lines by
the served text detector and the served crop (ocr.detection.rectified_crop, ocr.page.fit_line), each crop
labelled with the drawn line it covers. So the recognizer learns from what the page pipeline feeds it:
loose or tight boxes, bits of the rows above and below, the warp of a slightly skewed box.

The composer is this module's own (not the page evaluation set's): plain blocks of lines, some rows with
a second item at the right, light, dark and coloured backgrounds, and page-level blur, JPEG and uneven light.
"""
from __future__ import annotations

import io
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ocr.charset import default_charset
from ocr.detection import TextDetector, rectified_crop
from ocr.manifest import load_version
from ocr.page import fit_line
from ocr.preprocess import ImageInputError, PreprocessOptions, preprocess, to_rgb

from .corpus import TextSampler
from .fonts import FontSpec, fonts_for, load_font

DETECTOR_VERSION = Path(__file__).resolve().parent.parent / "services" / "ocr-v1"  # every version ships the same
MIN_IOU = 0.6  # a crop labelled with a line covers most of it and little else


@lru_cache(maxsize=1)
def served_detector() -> TextDetector:
    bundle = load_version(DETECTOR_VERSION)
    return TextDetector(bundle.detector_path, bundle.detector_settings, threads=1)


def _colours(rng: random.Random) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    roll = rng.random()
    if roll < 0.55:  # paper and screens
        paper = tuple(rng.randint(225, 255) for _ in range(3))
        ink = tuple(rng.randint(0, 70) for _ in range(3))
    elif roll < 0.8:  # dark themes
        paper = tuple(rng.randint(10, 50) for _ in range(3))
        ink = tuple(rng.randint(180, 255) for _ in range(3))
    else:  # coloured panels and signs
        paper = tuple(rng.randint(0, 255) for _ in range(3))
        luminance = sum(paper) / 3
        ink = tuple(rng.randint(0, 60) for _ in range(3)) if luminance > 128 else \
            tuple(rng.randint(200, 255) for _ in range(3))
    return paper, ink


def compose_page(rng: random.Random, sampler: TextSampler, categories: dict[str, float],
                 fonts: tuple[FontSpec, ...], excluded: frozenset[str]) -> tuple[Image.Image, list[tuple[str, tuple]]]:
    """A page and its drawn lines as (text, (left, top, right, bottom) of the ink)."""
    width, height = rng.randint(600, 1400), rng.randint(400, 1100)
    paper, ink = _colours(rng)
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    names, weights = zip(*categories.items())
    charset = default_charset()  # real text may hold a symbol the recognizer has no class for
    size = rng.randint(14, 40)
    margin = rng.randint(20, 80)
    lines, y = [], margin
    while y + size * 1.5 < height - margin and len(lines) < 24:
        text = sampler.sample(rng.choices(names, weights)[0])
        usable = fonts_for(text, fonts) if text.strip() and text not in excluded and charset.covers(text) else []
        if not usable:
            continue
        face = load_font(rng.choice(usable), size)
        x = margin + rng.randint(0, 3 * size)
        left, top, right, bottom = face.getbbox(text)
        if x + right - left > width - margin:
            y += size  # too long for this page: a gap where it would have been
            continue
        draw.text((x - left, y - top), text, font=face, fill=ink)
        lines.append((text, (x, y, x + right - left, y + bottom - top)))
        if rng.random() < 0.25:  # a second item on the row, well apart (a price, a value, a button)
            extra = sampler.sample("num")
            extra_left, extra_top, extra_right, extra_bottom = face.getbbox(extra)
            extra_x = width - margin - (extra_right - extra_left)
            if extra_x > x + right - left + 3 * size and fonts_for(extra, usable) and extra not in excluded:
                draw.text((extra_x - extra_left, y - extra_top), extra, font=face, fill=ink)
                lines.append((extra, (extra_x, y, width - margin, y + extra_bottom - extra_top)))
        y += (bottom - top) + int(size * rng.uniform(0.45, 1.2))
    return _degrade(image, rng), lines


def _degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    if rng.random() < 0.3:  # uneven light across the page
        shade = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.9, 1.1), image.width, dtype=np.float32)
        image = Image.fromarray(np.clip(np.asarray(image, np.float32) * shade[None, :, None], 0, 255).astype(np.uint8))
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.2)))
    if rng.random() < 0.3:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=rng.randint(35, 85))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return image


def _iou(a: tuple, b: tuple) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    return overlap / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap)


def labelled_crops(image: Image.Image, lines: list[tuple[str, tuple]], options: PreprocessOptions,
                   detector: TextDetector) -> list[tuple[np.ndarray, str]]:
    """Each detected box cut and preprocessed as serving does, with the text of the line it covers (boxes
    that cover no single line well are left out)."""
    rgb = to_rgb(image)
    crops = []
    for box in detector.detect(rgb):
        bounds = (*box.points.min(axis=0), *box.points.max(axis=0))
        scores = [(_iou(bounds, drawn), text) for text, drawn in lines]
        best, text = max(scores, default=(0.0, ""))
        if best < MIN_IOU:
            continue
        try:
            crops.append((preprocess(fit_line(rectified_crop(rgb, box.points), options), options), text))
        except ImageInputError:
            continue
    return crops


def render_crops(rng: random.Random, count: int, options: PreprocessOptions, excluded: frozenset[str],
                 categories: dict[str, float], fonts: tuple[FontSpec, ...]) -> tuple[list[np.ndarray], list[str]]:
    sampler, detector = TextSampler(rng), served_detector()
    images, texts = [], []
    while len(texts) < count:
        image, lines = compose_page(rng, sampler, categories, fonts, excluded)
        for crop, text in labelled_crops(image, lines, options, detector)[: count - len(texts)]:
            images.append(crop)
            texts.append(text)
    return images, texts
