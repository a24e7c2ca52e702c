"""Known text lines rendered cleanly in a training font, and what a version reads from them directly.

Service tests compare the HTTP answer with the recognizer's own reading of the same bytes: that
checks the serving path (decoding, preprocessing, batching, JSON) without depending on how accurate
a model is; accuracy is measured by `make eval` and reported in the model cards.
"""
from __future__ import annotations

import io
import random
from functools import lru_cache

from ocr.preprocess import decode_image
from ocr.runtime import Recognizer
from tests.helpers import version_dir
from training.fonts import TRAIN_FONTS, fonts_for
from training.render import CLEAN, HARD, render_line

KNOWN_TEXTS = ("2026-11-24", "Hello World", "中文识别", "1,000.50")
PAGE_TEXTS = ("Invoice 2026-11-25", "中文识别服务", "Total: 1,250.00")


def rendered_line(text: str, format: str = "PNG", seed: int = 3, hard: bool = False) -> bytes:
    """A clean line in a training font, or with ``hard`` a small, faint, blurred and noisy one."""
    image = render_line(text, fonts_for(text, TRAIN_FONTS)[0], random.Random(seed), HARD if hard else CLEAN)
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def rendered_page(texts=PAGE_TEXTS, size: int = 34, format: str = "PNG") -> tuple[bytes, list[tuple[int, int]]]:
    """Lines drawn one under another on a white page, and each line's vertical ink band (top, bottom)."""
    from PIL import Image, ImageDraw

    from training.fonts import load_font

    image = Image.new("RGB", (900, 120 + 2 * size * len(texts)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    bands, y = [], 60
    for text in texts:
        face = load_font(fonts_for(text, TRAIN_FONTS)[0], size)
        left, top, right, bottom = face.getbbox(text)
        draw.text((80 - left, y - top), text, font=face, fill=(20, 20, 20))
        bands.append((y, y + bottom - top))
        y += 2 * size
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue(), bands


@lru_cache(maxsize=4)
def page_reader(version: str):
    from ocr.page import PageReader

    return PageReader.from_directory(version_dir(version))


def direct_page_reading(version: str, data: bytes, mode: str = "auto"):
    """What the version's page reader makes of these bytes, without the service."""
    return page_reader(version).read(decode_image(data), mode)


@lru_cache(maxsize=4)
def recognizer(version: str) -> Recognizer:
    return Recognizer.from_directory(version_dir(version))


def direct_reading(version: str, data: bytes) -> str:
    """The text the version's model reads from these bytes, without the service."""
    return recognizer(version).recognize([decode_image(data)])[0].text
