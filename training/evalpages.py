"""The page evaluation set: whole images the way clients send them, rendered with a fixed seed, never trained on.

Six kinds: printed documents, receipts (item and amount on one row, far apart), screenshots in a light and a
dark theme (small UI text, buttons, a title bar), signs on cluttered backgrounds, and phone photos of
documents (perspective, uneven light, blur, JPEG). Texts are the gettext page sample (evalset_ui; reserved
for evaluation), numbers and amounts come from a seeded generator, and every other page is set in the blind
faces of the second evaluation set. The ground truth is the page's rows of text, top to bottom.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .evalset_ui import PAGE_TEXTS_PATH, ui_texts
from .fonts import EVAL2_BLIND_FONTS, TRAIN_FONTS, FontSpec, fonts_for, load_font

PAGES_SEED = 20261126
KINDS = ("document", "receipt", "screenshot_light", "screenshot_dark", "sign", "photo")
PAGES_PER_KIND = 10


@dataclass(frozen=True)
class EvalPage:
    kind: str
    blind_fonts: bool
    image: Image.Image
    rows: tuple[str, ...]  # the text of each row, top to bottom; one row may hold several boxes


class _Texts:
    """Draws texts from the reserved page sample in a fixed order, each used once."""

    def __init__(self, rng: random.Random) -> None:
        texts = list(ui_texts(PAGE_TEXTS_PATH))
        rng.shuffle(texts)
        self.texts = texts
        self.rng = rng

    def next(self, fonts: tuple[FontSpec, ...], size: int, max_width: float) -> tuple[str, FontSpec]:
        """The next unused text that one of ``fonts`` draws within ``max_width`` pixels at ``size``."""
        for position, (_, text) in enumerate(self.texts):
            usable = fonts_for(text, fonts)
            if usable:
                font = self.rng.choice(usable)
                if load_font(font, size).getlength(text) <= max_width:
                    del self.texts[position]
                    return text, font
        raise RuntimeError("the page text sample is used up")


def _draw_row(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: FontSpec, size: int, fill) -> float:
    """Draw one text at xy (top-left of its ink); returns the bottom of its ink."""
    face = load_font(font, size)
    left, top, right, bottom = face.getbbox(text)
    draw.text((xy[0] - left, xy[1] - top), text, font=face, fill=fill)
    return xy[1] + bottom - top


def _document(rng: random.Random, texts: _Texts, fonts, width: int = 1200, height: int = 1500) -> tuple[Image.Image, list[str]]:
    paper = tuple(int(v) for v in rng.choice([(255, 255, 255), (250, 248, 240), (244, 244, 244)]))
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    rows, y = [], rng.randint(60, 140)
    size = rng.randint(22, 34)
    while y < height - 120 and len(rows) < 14:
        line_size = int(size * 1.5) if not rows else size  # a heading first
        text, font = texts.next(fonts, line_size, width - 220)
        bottom = _draw_row(draw, (rng.randint(70, 110), y), text, font, line_size, (20, 20, 20))
        rows.append(text)
        y = bottom + int(size * rng.uniform(0.7, 1.1))
    return image, rows


def _receipt(rng: random.Random, texts: _Texts, fonts) -> tuple[Image.Image, list[str]]:
    width = rng.randint(520, 700)
    image = Image.new("RGB", (width, 1300), (252, 252, 250))
    draw = ImageDraw.Draw(image)
    size = rng.randint(20, 26)
    rows, y = [], 50
    for index in range(rng.randint(8, 12)):
        text, font = texts.next(fonts, size, width * 0.6)
        amount = f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
        _draw_row(draw, (30, y), text, font, size, (30, 30, 30))
        amount_font = rng.choice(fonts_for(amount, fonts))
        amount_width = load_font(amount_font, size).getlength(amount)
        bottom = _draw_row(draw, (width - 30 - amount_width, y), amount, amount_font, size, (30, 30, 30))
        rows.append(f"{text} {amount}")
        y = bottom + int(size * 0.9)
    return image.crop((0, 0, width, min(1300, y + 60))), rows


def _screenshot(rng: random.Random, texts: _Texts, fonts, dark: bool) -> tuple[Image.Image, list[str]]:
    width, height = rng.choice([(1280, 800), (1024, 768), (1440, 900)])
    background, ink, bar = ((30, 30, 34), (225, 225, 225), (50, 50, 56)) if dark else \
        ((255, 255, 255), (33, 33, 33), (230, 232, 236))
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    rows = []
    draw.rectangle((0, 0, width, 44), fill=bar)
    title, font = texts.next(fonts, 18, width * 0.6)
    _draw_row(draw, (20, 12), title, font, 18, ink)
    rows.append(title)
    y, size = 80, rng.randint(14, 19)
    while y < height - 120 and len(rows) < 12:
        text, font = texts.next(fonts, size, width - 80)
        bottom = _draw_row(draw, (40, y), text, font, size, ink)
        rows.append(text)
        y = bottom + int(size * rng.uniform(1.0, 1.8))
    label, font = texts.next(fonts, 16, 220)
    face = load_font(font, 16)
    box_width = face.getlength(label) + 40
    draw.rounded_rectangle((width - box_width - 40, height - 70, width - 40, height - 30), radius=6,
                           fill=(0, 102, 204) if not dark else (70, 130, 200))
    _draw_row(draw, (width - box_width - 20, height - 58), label, font, 16, (255, 255, 255))
    rows.append(label)
    return image, rows


def _sign(rng: random.Random, texts: _Texts, fonts) -> tuple[Image.Image, list[str]]:
    width, height = rng.choice([(1024, 768), (1200, 800), (900, 900)])
    generator = np.random.default_rng(rng.getrandbits(32))
    clutter = generator.integers(0, 255, (height // 40 + 1, width // 40 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(clutter).resize((width, height), Image.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    draw = ImageDraw.Draw(image)
    for _ in range(12):  # shapes that are not text: poles, windows, leaves
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle((x, y, x + rng.randint(10, 200), y + rng.randint(10, 200)),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    panel = tuple(rng.choice([(0, 90, 50), (20, 60, 160), (180, 20, 30), (240, 240, 240), (250, 200, 0)]))
    ink = (20, 20, 20) if sum(panel) > 500 else (255, 255, 255)
    size = rng.randint(48, 80)
    lines = [texts.next(fonts, size, width * 0.8 - 2 * size) for _ in range(rng.randint(1, 3))]
    panel_width = max(load_font(font, size).getlength(text) for text, font in lines) + 2 * size
    left, top = rng.randint(20, max(21, int(width - panel_width - 20))), rng.randint(40, height // 3)
    panel_height = len(lines) * int(size * 1.5) + size
    draw.rectangle((left, top, left + panel_width, top + panel_height), fill=panel)
    y = top + size // 2
    for text, font in lines:
        _draw_row(draw, (left + size, y), text, font, size, ink)
        y += int(size * 1.5)
    return image.rotate(rng.uniform(-4, 4), resample=Image.BICUBIC, fillcolor=(90, 90, 90)), [t for t, _ in lines]


def _photo(rng: random.Random, texts: _Texts, fonts) -> tuple[Image.Image, list[str]]:
    page, rows = _document(rng, texts, fonts, width=1000, height=1200)
    width, height = 1400, 1400
    table = Image.new("RGB", (width, height), tuple(rng.randint(40, 110) for _ in range(3)))
    jitter = 70
    corners = [(200 + rng.uniform(-jitter, jitter), 100 + rng.uniform(-jitter, jitter)),
               (1200 + rng.uniform(-jitter, jitter), 100 + rng.uniform(-jitter, jitter)),
               (1200 + rng.uniform(-jitter, jitter), 1300 + rng.uniform(-jitter, jitter)),
               (200 + rng.uniform(-jitter, jitter), 1300 + rng.uniform(-jitter, jitter))]
    source = [(0, 0), (page.width, 0), (page.width, page.height), (0, page.height)]
    rows_matrix, values = [], []
    for (x, y), (u, v) in zip(corners, source):  # output (table) pixels -> page pixels
        rows_matrix += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    coefficients = np.linalg.solve(np.array(rows_matrix, float), np.array(values, float))
    warped = page.transform((width, height), Image.PERSPECTIVE, tuple(coefficients), Image.BICUBIC)
    mask = Image.new("L", page.size, 255).transform((width, height), Image.PERSPECTIVE, tuple(coefficients))
    table.paste(warped, (0, 0), mask)
    light = np.linspace(rng.uniform(0.55, 0.8), rng.uniform(1.0, 1.15), width, dtype=np.float32)
    lit = np.clip(np.asarray(table, np.float32) * light[None, :, None], 0, 255).astype(np.uint8)
    photo = Image.fromarray(lit).filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4)))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=rng.randint(45, 75))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), rows


@lru_cache(maxsize=1)
def build_page_set(pages_per_kind: int = PAGES_PER_KIND) -> tuple[EvalPage, ...]:
    rng = random.Random(PAGES_SEED)
    texts = _Texts(random.Random(PAGES_SEED + 1))
    pages = []
    for kind in KINDS:
        for index in range(pages_per_kind):
            blind = index % 2 == 0
            fonts = EVAL2_BLIND_FONTS if blind else TRAIN_FONTS
            if kind == "document":
                image, rows = _document(rng, texts, fonts)
            elif kind == "receipt":
                image, rows = _receipt(rng, texts, fonts)
            elif kind.startswith("screenshot"):
                image, rows = _screenshot(rng, texts, fonts, dark=kind.endswith("dark"))
            elif kind == "sign":
                image, rows = _sign(rng, texts, fonts)
            else:
                image, rows = _photo(rng, texts, fonts)
            pages.append(EvalPage(kind, blind, image, tuple(rows)))
    return tuple(pages)
