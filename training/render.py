"""Draws one text line as a photo-like image (grayscale, or in two colours), with seeded augmentations."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .fonts import FontSpec, draw_text, load_font


@dataclass(frozen=True)
class Augmentation:
    """How rough a rendered line may look; ``hard`` lines are small, faint, blurred and noisy."""

    min_size: int = 24
    max_size: int = 96
    probability: float = 0.7  # chance of each photometric/geometric effect being considered
    hard: bool = False
    spaced_share: float = 0.0  # chance of a line drawn with extra space between its characters
    slant_share: float = 0.0  # chance of a line sheared like an italic (or leaning back a little)
    stem_nine_share: float = 0.0  # chance of a line with 9s drawn as a bowl on a straight stem (see _draw)
    tight_share: float = 0.0  # chance of a detector-like crop: tight margins, bits of the neighbouring lines
    photo_share: float = 0.0  # chance of camera effects: perspective, a slight curve, uneven paper and light
    colour_share: float = 0.0  # chance of a line in two colours (signs, buttons, coloured paper), often of near
    # equal luminance, so that training sees what the version's gray conversion makes of colour
    stretch_share: float = 0.0  # chance of a line drawn condensed or extended (narrow UI and sign faces)
    weight_share: float = 0.0  # chance of a line drawn bolder or lighter than its face (weights a family lacks)
    warp_share: float = 0.0  # chance of glyphs bent by a smooth field at the scale of strokes (designs no face has)
    screen: bool = False  # drawn as a screen draws it (_screen_line): none of the effects above


CLEAN = Augmentation(probability=0.0)
TRAIN = Augmentation()
HARD = Augmentation(min_size=20, max_size=30, probability=1.0, hard=True)
# Teaches that wide letter spacing is not a word space (v2 read widely spaced hanzi as "x y").
# Without it no extra random number is drawn: the evaluation set and old shards render as before.
SPACED = Augmentation(spaced_share=0.15)
# Slanted lines: an upright straight-stemmed 9 sheared forward looks like a Kai-style 9, which v2 stage 4
# read as q. Like spacing, no random number is drawn when the share is 0, so older recipes render as before.
SLANTED = Augmentation(spaced_share=0.15, slant_share=0.3)
# The 9 of handwriting and of Kai faces is a bowl on a straight stem: the shape of q, told apart only by
# sitting on the baseline at digit height. Drawing a face's q into its 9's box teaches that cue (v2 stage 7
# read the Kai 9 as q in 19 of its 20 misread num lines).
STEM_NINES = Augmentation(spaced_share=0.15, slant_share=0.3, stem_nine_share=0.35)
# What serving feeds the recognizer: crops cut by a text detector from pages, screenshots and photos (tight
# boxes with the ascenders and descenders of the lines above and below at the edges) and camera effects.
PHOTO = Augmentation(min_size=16, spaced_share=0.08, slant_share=0.12, stem_nine_share=0.1, tight_share=0.5,
                     photo_share=0.5)
PHOTO_COLOUR = replace(PHOTO, colour_share=0.5)
# Every face in other widths and weights: a few hanzi families (and many Latin faces with one weight) stand for
# the condensed, extended, bold and light faces of screens and signs.
PHOTO_VARIED = replace(PHOTO_COLOUR, stretch_share=0.3, weight_share=0.3)
# And letterforms no installed face draws: a few dozen hanzi designs and a hundred Latin ones stand for every face
# a client's images use, and v2 reads unseen faces 8 points worse than trained ones.
PHOTO_WARPED = replace(PHOTO_VARIED, warp_share=0.5)
# Screenshots: glyphs hinted at the pixel sizes of menus, buttons and status bars, on flat light or dark fills.
SCREEN = Augmentation(min_size=10, max_size=22, tight_share=0.5, colour_share=0.35, screen=True)
SUBPIXEL_SHARE = 0.25  # lines anti-aliased per colour stripe, as ClearType draws text on Windows
DARK_SHARE = 0.3  # dark themes: light ink on a dark fill
RESIZE_SHARE, JPEG_SHARE = 0.35, 0.3


def render_line(text: str, font: FontSpec, rng: random.Random, augmentation: Augmentation = TRAIN) -> Image.Image:
    if augmentation.screen:
        return _screen_line(text, font, rng, augmentation)
    size = rng.randint(augmentation.min_size, augmentation.max_size)
    face = load_font(font, size)
    left, top, right, bottom = face.getbbox(text)
    tracking = 0.0
    if augmentation.spaced_share and rng.random() < augmentation.spaced_share:
        tracking = size * rng.uniform(0.08, 0.45)
        right += tracking * (len(text) - 1)
    stem_nines = bool(augmentation.stem_nine_share) and "9" in text and rng.random() < augmentation.stem_nine_share
    tight = bool(augmentation.tight_share) and rng.random() < augmentation.tight_share
    if tight:  # a detector's box: the ink plus a few pixels
        margin_x, margin_top, margin_bottom = (int(size * rng.uniform(0.0, 0.15)) for _ in range(3))
    else:
        margin_x = int(size * rng.uniform(0.05, 0.6))
        margin_top = int(size * rng.uniform(0.05, 0.35))
        margin_bottom = int(size * rng.uniform(0.05, 0.35))
    width = int(max(right - left, 1)) + 2 * margin_x
    height = max(bottom - top, 1) + margin_top + margin_bottom

    roll = lambda: rng.random() < augmentation.probability  # noqa: E731 - one place for the odds
    contrast = rng.uniform(50, 100) if augmentation.hard else (rng.uniform(70, 230) if roll() else 230)
    background = rng.uniform(contrast + 10, 255) if rng.random() < 0.85 else rng.uniform(0, 255 - contrast - 10)
    foreground = background - contrast if background > contrast else background + contrast
    paper, ink = int(np.clip(background, 0, 255)), int(np.clip(foreground, 0, 255))
    image = Image.new("L", (width, height), paper)
    _draw(image, (margin_x - left, margin_top - top), text, face, ink, tracking, stem_nines)
    if tight and rng.random() < 0.4:
        _draw_neighbours(image, (margin_x - left, margin_top - top), text, face, ink, bottom - top, rng)
    if augmentation.weight_share and rng.random() < augmentation.weight_share:
        image = _reweight(image, rng, size, paper, dark_ink=ink < background)
    if augmentation.warp_share and rng.random() < augmentation.warp_share:
        image = _warp(image, rng, size, paper)
    if augmentation.stretch_share and rng.random() < augmentation.stretch_share:
        image = image.resize((max(1, round(image.width * rng.uniform(0.6, 1.4))), image.height), Image.BICUBIC)
    if augmentation.slant_share and rng.random() < augmentation.slant_share:
        image = _shear(image, rng.uniform(-0.12, 0.35), int(background))
    if augmentation.photo_share and rng.random() < augmentation.photo_share:
        image = _photograph(image, rng, int(background))

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
    if augmentation.colour_share and rng.random() < augmentation.colour_share:
        image = _in_colour(image, rng)
    return image


def _screen_line(text: str, font: FontSpec, rng: random.Random, augmentation: Augmentation) -> Image.Image:
    """Crisp glyphs at 10-22 px (FreeType hints them for the pixel grid, as screens show them), then what a
    screenshot goes through before it is read: a resize (a HiDPI capture halved, a thumbnail enlarged), JPEG."""
    size = rng.randint(augmentation.min_size, augmentation.max_size)
    subpixel = rng.random() < SUBPIXEL_SHARE
    scale = 3 if subpixel else 1  # subpixel lines are drawn three times larger, then each third becomes a stripe
    face = load_font(font, size * scale)
    left, top, right, bottom = face.getbbox(text)
    loose = 2 if rng.random() < augmentation.tight_share else 6  # a detector's box, or a widget's padding
    margin_x, margin_top, margin_bottom = (rng.randint(0, max(1, size * loose // 10)) * scale for _ in range(3))
    dark = rng.random() < DARK_SHARE
    paper, ink = (rng.randint(0, 70), rng.randint(170, 255)) if dark else (rng.randint(190, 255), rng.randint(0, 100))
    image = Image.new("L", (right - left + 2 * margin_x, bottom - top + margin_top + margin_bottom), paper)
    _draw(image, (margin_x - left, margin_top - top), text, face, ink, 0.0)
    if subpixel:
        image = _subpixel(image)
    elif rng.random() < augmentation.colour_share:
        image = colourize(image, *_colour_pair(rng))
    if rng.random() < RESIZE_SHARE:
        factor = rng.uniform(0.5, 1.6)
        image = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))),
                             rng.choice([Image.NEAREST, Image.BILINEAR, Image.BICUBIC, Image.LANCZOS]))
    if rng.random() < JPEG_SHARE:
        image = _jpeg(image, quality=rng.randint(40, 92))
    return image


def _subpixel(image: Image.Image) -> Image.Image:
    """A line drawn at three times its size, as an LCD shows it with subpixel anti-aliasing: each pixel's red,
    green and blue stripes take the coverage of their own third, softened across neighbouring stripes (the
    filter ClearType applies), which leaves coloured fringes on every stem."""
    coverage = np.asarray(image.resize((image.width, max(1, image.height // 3)), Image.BOX), dtype=np.float32)
    padded = np.pad(coverage, ((0, 0), (2, 2)), mode="edge")
    stripes = sum(weight * padded[:, shift: shift + coverage.shape[1]] for shift, weight in enumerate((1, 2, 3, 2, 1))) / 9
    height, width = stripes.shape[0], stripes.shape[1] // 3
    pixels = stripes[:, : width * 3].reshape(height, width, 3)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def colourize(image: Image.Image, ink: tuple[int, int, int], paper: tuple[int, int, int]) -> Image.Image:
    """A grayscale line in two colours: its background level becomes ``paper`` and its ink level ``ink``; the
    levels between and beyond (anti-aliasing, shading, noise) fall on the same line through colour space."""
    levels = np.asarray(image, dtype=np.float32)
    background = float(np.median(levels))
    low, high = np.percentile(levels, [1, 99])
    ink_level = low if background - low > high - background else high
    alpha = (levels - background) / (ink_level - background) if abs(ink_level - background) >= 1 else 0 * levels
    paper_rgb, ink_rgb = np.array(paper, dtype=np.float32), np.array(ink, dtype=np.float32)
    pixels = paper_rgb + alpha[:, :, None] * (ink_rgb - paper_rgb)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def luminance(colour) -> float:
    red, green, blue = colour
    return 0.299 * red + 0.587 * green + 0.114 * blue


def _colour_pair(rng: random.Random) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(ink, paper) that a reader tells apart (far apart in RGB); half of them of nearly equal luminance,
    the pairs luminance gray conversion all but erases (red on green, white on yellow, blue on red)."""
    paper = tuple(rng.randint(0, 255) for _ in range(3))
    near_luminance = rng.random() < 0.5
    for _ in range(200):
        ink = tuple(rng.randint(0, 255) for _ in range(3))
        far = sum((a - b) ** 2 for a, b in zip(ink, paper)) >= 110 ** 2
        if far and (not near_luminance or abs(luminance(ink) - luminance(paper)) < 30):
            return ink, paper
    return tuple(255 - value for value in paper), paper


def _in_colour(image: Image.Image, rng: random.Random) -> Image.Image:
    """The line in a colour pair, sometimes under uneven light and saved as a colour JPEG (its chroma
    subsampling bleeds colour around thin strokes, as in photos)."""
    image = colourize(image, *_colour_pair(rng))
    if rng.random() < 0.4:
        light = np.linspace(rng.uniform(0.55, 1.0), rng.uniform(0.9, 1.2), image.width, dtype=np.float32)
        if rng.random() < 0.5:
            light = light[::-1]
        image = Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) * light[None, :, None], 0, 255)
                                .astype(np.uint8))
    if rng.random() < 0.5:
        image = _jpeg(image, quality=rng.randint(30, 90))
    return image


def _draw(image: Image.Image, origin: tuple[float, float], text: str, face, fill: int, tracking: float,
          stem_nines: bool = False) -> None:
    draw = ImageDraw.Draw(image)
    if not tracking and not stem_nines:
        draw_text(draw, origin, text, face, fill)
        return
    x, y = origin
    for char in text:  # one glyph at a time: the advance of each plus the extra tracking
        if char == "9" and stem_nines:
            _draw_stem_nine(image, (x, y), face, fill)
        else:
            draw_text(draw, (x, y), char, face, fill)
        x += face.getlength(char) + tracking


def _draw_stem_nine(image: Image.Image, origin: tuple[float, float], face, fill: int) -> None:
    """Draw the face's q stretched into the ink box of its 9: same bowl and stem, but on the baseline."""
    offset, mask = _stem_nine_mask(face)
    image.paste(fill, (int(origin[0] + offset[0]), int(origin[1] + offset[1])), mask)


@lru_cache(maxsize=256)  # faces come cached from load_font, so one mask per face and size
def _stem_nine_mask(face) -> tuple[tuple[int, int], Image.Image]:
    """Where the 9's ink box starts from the glyph origin, and the face's q ink scaled to fill that box."""
    left, top, right, bottom = face.getbbox("9")
    q_left, q_top, q_right, q_bottom = face.getbbox("q")
    q_ink = Image.new("L", (max(q_right - q_left, 1), max(q_bottom - q_top, 1)), 0)
    draw_text(ImageDraw.Draw(q_ink), (-q_left, -q_top), "q", face, 255)
    return (left, top), q_ink.resize((max(right - left, 1), max(bottom - top, 1)), Image.BILINEAR)


def _draw_neighbours(image: Image.Image, origin: tuple[float, float], text: str, face, fill: int, ink_height: int,
                     rng: random.Random) -> None:
    """The descenders of the line above and the ascenders of the line below, cut by the crop's edge."""
    draw = ImageDraw.Draw(image)
    pitch = ink_height * rng.uniform(1.1, 1.5)
    for direction in rng.choice([(-1,), (1,), (-1, 1)]):
        neighbour = "".join(rng.sample(text, len(text)))
        draw_text(draw, (origin[0] + rng.uniform(-0.3, 0.3) * ink_height, origin[1] + direction * pitch), neighbour,
                  face, fill)


def _reweight(image: Image.Image, rng: random.Random, size: int, paper: int, dark_ink: bool) -> Image.Image:
    """Strokes thickened or thinned (a min or max filter, by which side the ink is on; lighter in half-pixel
    steps on a doubled image). Bolder only from 24 px: below, it closes the gaps between hanzi strokes. A thinning
    that would take away over a third of the ink (a face that is light already) is not done."""
    if size < 24:
        return image
    spread_ink, spread_paper = ((ImageFilter.MinFilter, ImageFilter.MaxFilter) if dark_ink
                                else (ImageFilter.MaxFilter, ImageFilter.MinFilter))
    if size < 40 or rng.random() < 0.5:
        return image.filter(spread_ink(3 if size < 56 else 5))
    doubled = image.resize((image.width * 2, image.height * 2), Image.BICUBIC)
    lighter = doubled.filter(spread_paper(3)).resize(image.size, Image.BICUBIC)
    ink = lambda picture: np.abs(np.asarray(picture, dtype=np.float32) - paper).sum()  # noqa: E731
    return lighter if ink(lighter) >= 0.67 * ink(image) else image


def _warp(image: Image.Image, rng: random.Random, size: int, paper: int) -> Image.Image:
    """Move the ink along a smooth random field whose knots lie two fifths to four fifths of a glyph apart, by 1-3% of
    the glyph size: stroke ends, bowls and proportions come out as another design would draw them (a camera's
    effects, which bend the whole line, are _photograph's)."""
    pixels = np.asarray(image)
    height, width = pixels.shape
    spacing = size * rng.uniform(0.4, 0.8)
    amplitude = size * rng.uniform(0.01, 0.03)
    knots = (int(height / spacing) + 2, int(width / spacing) + 2)
    generator = np.random.default_rng(rng.getrandbits(32))
    shift_x, shift_y = (cv2.resize(generator.normal(0.0, amplitude, knots).astype(np.float32), (width, height),
                                   interpolation=cv2.INTER_CUBIC) for _ in range(2))
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return Image.fromarray(cv2.remap(pixels, columns + shift_x, rows + shift_y, cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=paper))


def _photograph(image: Image.Image, rng: random.Random, fill: int) -> Image.Image:
    """One or more camera effects: a perspective tilt, a slight curve of the line, blotchy paper and light."""
    effects = [effect for effect in (_perspective, _curve, _blotches) if rng.random() < 0.5] or [_perspective]
    for effect in effects:
        image = effect(image, rng, fill)
    return image


def _perspective(image: Image.Image, rng: random.Random, fill: int) -> Image.Image:
    """Move each corner by up to a quarter of the height: the line seen from a little off its axis."""
    width, height = image.size
    jitter = 0.25 * height
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    moved = [(x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)) for x, y in corners]
    # PIL's PERSPECTIVE maps output to input pixels: solve the 8 coefficients from the corner pairs.
    rows, values = [], []
    for (x, y), (u, v) in zip(moved, corners):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    coefficients = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values, dtype=np.float64))
    left, top = min(x for x, _ in moved), min(y for _, y in moved)
    size = (int(max(x for x, _ in moved) - left) + 1, int(max(y for _, y in moved) - top) + 1)
    return image.transform(size, Image.PERSPECTIVE, _shift_origin(coefficients, left, top),
                           resample=Image.BILINEAR, fillcolor=fill)


def _shift_origin(coefficients: np.ndarray, dx: float, dy: float) -> tuple[float, ...]:
    """The same map for an output canvas whose (0, 0) is the point (dx, dy): substitute x + dx, y + dy."""
    a, b, c, d, e, f, g, h = coefficients
    scale = g * dx + h * dy + 1
    return tuple(value / scale for value in (a, b, a * dx + b * dy + c, d, e, d * dx + e * dy + f, g, h))


def _curve(image: Image.Image, rng: random.Random, fill: int) -> Image.Image:
    """Shift each column up or down along a gentle sine: a line on a bent page or a curved sign."""
    pixels = np.asarray(image)
    height, width = pixels.shape
    amplitude = rng.uniform(0.03, 0.1) * height
    period = width * rng.uniform(0.8, 3.0)
    phase = rng.uniform(0, 2 * np.pi)
    pad = int(np.ceil(amplitude)) + 1
    canvas = np.full((height + 2 * pad, width), fill, dtype=np.uint8)
    offsets = np.round(amplitude * np.sin(2 * np.pi * np.arange(width) / period + phase)).astype(int) + pad
    for column in range(width):
        canvas[offsets[column]:offsets[column] + height, column] = pixels[:, column]
    return Image.fromarray(canvas)


def _blotches(image: Image.Image, rng: random.Random, fill: int) -> Image.Image:
    """Low-frequency brightness variation over the whole crop: paper texture, a shadow, a glossy spot."""
    width, height = image.size
    generator = np.random.default_rng(rng.getrandbits(32))
    coarse = generator.normal(0, rng.uniform(10, 35), (max(2, height // 12), max(2, width // 12)))
    field = np.asarray(Image.fromarray(coarse.astype(np.float32), mode="F").resize((width, height), Image.BICUBIC))
    shaded = np.asarray(image, dtype=np.float32) + field
    return Image.fromarray(np.clip(shaded, 0, 255).astype(np.uint8))


def _shear(image: Image.Image, slant: float, fill: int) -> Image.Image:
    """Lean the glyphs by ``slant`` (horizontal shift per pixel of height; positive leans right), widening
    the canvas so no ink is cut off."""
    width, height = image.size
    shift = abs(slant) * height
    offset = shift if slant > 0 else 0.0  # the affine map takes output to input coordinates
    return image.transform((int(width + shift), height), Image.AFFINE, (1, slant, -offset, 0, 1, 0),
                           resample=Image.BILINEAR, fillcolor=fill)


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
    return Image.open(buffer).convert(image.mode)
