"""Known text lines rendered cleanly in a training font, as image bytes, for tests."""
from __future__ import annotations

import io
import random

from training.fonts import TRAIN_FONTS, fonts_for
from training.render import CLEAN, render_line

KNOWN_TEXTS = ("2026-11-24", "Hello World", "中文识别", "1,000.50")


def rendered_line(text: str, format: str = "PNG", seed: int = 3):
    image = render_line(text, fonts_for(text, TRAIN_FONTS)[0], random.Random(seed), CLEAN)
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()
