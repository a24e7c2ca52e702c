"""Draws one text line as a photo-like grayscale image, with seeded augmentations."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .fonts import FontSpec, load_font


@dataclass(frozen=True)
class Augmentation:
    """How rough a rendered line may look; ``hard`` lines are small, faint, blurred and noisy."""

    min_size: int = 24
    max_size: int = 96
    probability: float = 0.7  # chance of each photometric/geometric effect being considered
    hard: bool = False


CLEAN = Augmentation(probability=0.0)
TRAIN = Augmentation()
HARD = Augmentation(min_size=20, max_size=30, probability=1.0, hard=True)


def render_line(text: str, font: FontSpec, rng: random.Random, augmentation: Augmentation = TRAIN) -> Image.Image:
    size = rng.randint(augmentation.min_size, augmentation.max_size)
    face = load_font(font, size)
    left, top, right, bottom = face.getbbox(text)
    margin_x = int(size * rng.uniform(0.05, 0.6))
    margin_top = int(size * rng.uniform(0.05, 0.35))
    margin_bottom = int(size * rng.uniform(0.05, 0.35))
    width = max(right - left, 1) + 2 * margin_x
    height = max(bottom - top, 1) + margin_top + margin_bottom

    roll = lambda: rng.random() < augmentation.probability  # noqa: E731 - one place for the odds
    contrast = rng.uniform(50, 100) if augmentation.hard else (rng.uniform(70, 230) if roll() else 230)
    background = rng.uniform(contrast + 10, 255) if rng.random() < 0.85 else rng.uniform(0, 255 - contrast - 10)
    foreground = background - contrast if background > contrast else background + contrast
    image = Image.new("L", (width, height), int(np.clip(background, 0, 255)))
    ImageDraw.Draw(image).text((margin_x - left, margin_top - top), text, font=face,
                               fill=int(np.clip(foreground, 0, 255)))

    if roll() and rng.random() < 0.3:
        image = _shadow(image, rng)
    if roll() and rng.random() < 0.4:
        angle = rng.uniform(-2.5, 2.5)
        image = image.rotate(angle, resample=Image.BILINEAR, expand=True, fillcolor=int(background))
    if augmentation.hard or (roll() and rng.random() < 0.5):
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.0) * size / 32))
    if augmentation.hard or (roll() and rng.random() < 0.4):
        image = _noise(image, rng, sigma=rng.uniform(3, 14))
    if roll() and rng.random() < 0.3:
        scale = rng.uniform(0.35, 0.8)
        small = image.resize((max(1, int(width * scale)), max(1, int(image.height * scale))), Image.BILINEAR)
        image = small.resize(image.size, Image.BILINEAR)
    if augmentation.hard or (roll() and rng.random() < 0.4):
        image = _jpeg(image, quality=rng.randint(25, 75))
    return image


def _shadow(image: Image.Image, rng: random.Random) -> Image.Image:
    """A linear light gradient across the line, as from uneven lighting."""
    width, height = image.size
    ramp = np.linspace(0, rng.uniform(-70, 70), width, dtype=np.float32)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    shaded = np.asarray(image, dtype=np.float32) + ramp[None, :]
    return Image.fromarray(np.clip(shaded, 0, 255).astype(np.uint8))


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    generator = np.random.default_rng(rng.getrandbits(32))
    noisy = np.asarray(image, dtype=np.float32) + generator.normal(0, sigma, (image.height, image.width))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")
