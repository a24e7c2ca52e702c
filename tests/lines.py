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
from training.render import CLEAN, render_line

KNOWN_TEXTS = ("2026-11-24", "Hello World", "中文识别", "1,000.50")


def rendered_line(text: str, format: str = "PNG", seed: int = 3) -> bytes:
    image = render_line(text, fonts_for(text, TRAIN_FONTS)[0], random.Random(seed), CLEAN)
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def recognizer(version: str) -> Recognizer:
    return Recognizer.from_directory(version_dir(version))


def direct_reading(version: str, data: bytes) -> str:
    """The text the version's model reads from these bytes, without the service."""
    return recognizer(version).recognize([decode_image(data)])[0].text
