"""Whole-image OCR: detect the text lines, cut each out rectified, read them all, put them in reading order.

One call per image. ``mode="auto"`` reads an image that is one cut-out line the way a line has always been
read (the whole image through the recognizer) and anything else as a page.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .ctc import Decoded
from .detection import TextBox, TextDetector, rectified_crop
from .manifest import VersionBundle, load_version
from .preprocess import ImageInputError, PreprocessOptions, preprocess, to_rgb
from .runtime import Recognizer

MODES = ("auto", "line", "page")
MIN_SIDE = 4  # pixels: below this on either side no text can be read
MAX_LINES = 400  # a page with more boxes keeps the highest-scoring ones (bounded time), and says so
# An image is one line when all its boxes sit in one row that spans at least this share of its height.
LINE_HEIGHT_SHARE = 0.4
LINE_MAX_HEIGHT = 200  # pixels: an image where nothing was detected is read as a line only up to this height
# Images shaped like one cut-out line are read as a line without running the detector (measured: detection
# costs 13 ms on an 860x75 line whose reading takes 9 ms): a strip at most 40 px high and 2:1, or at most
# 120 px high and 6:1 (two rows in such a strip would be under 60 px each and rare; mode=page reads them).
LINE_STRIPS = ((40, 2.0), (120, 6.0))  # (most height in pixels, least width / height)


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float
    box: list[list[int]]  # four [x, y] corners, clockwise from the top-left, in the uploaded image's pixels
    chars: list[tuple[str, float]]


@dataclass(frozen=True)
class PageResult:
    mode: str  # "line" or "page": what was done
    lines: list[Line]
    rows: list[list[int]]  # indices into lines, one list per row of text, in reading order
    truncated: bool  # more boxes than MAX_LINES were found

    @property
    def text(self) -> str:
        """Rows top to bottom joined by newlines; the boxes of one row left to right, joined by spaces."""
        return "\n".join(" ".join(self.lines[i].text for i in row if self.lines[i].text) for row in self.rows).strip()

    @property
    def confidence(self) -> float:
        """Character-weighted mean of the lines' confidences; 1.0 for a page where nothing was detected."""
        if not self.lines:
            return 1.0
        weights = [max(len(line.text), 1) for line in self.lines]
        return float(np.average([line.confidence for line in self.lines], weights=weights))


def reading_order(boxes: list[TextBox]) -> list[list[int]]:
    """Rows top to bottom, boxes left to right within a row. A box joins a row when its vertical centre
    lies within the row's band (half the row's median box height around the row's centre)."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].center_y)
    rows: list[list[int]] = []
    for index in order:
        box = boxes[index]
        if rows:
            row = rows[-1]
            centre = float(np.mean([boxes[i].center_y for i in row]))
            height = float(np.median([boxes[i].height for i in row]))
            if abs(box.center_y - centre) <= 0.5 * min(height, box.height):
                row.append(index)
                continue
        rows.append([index])
    return [sorted(row, key=lambda i: float(boxes[i].points[:, 0].min())) for row in rows]


def fit_line(crop: np.ndarray, options: PreprocessOptions) -> Image.Image:
    """A crop as a PIL image the recognizer accepts: squeezed when wider than its widest line."""
    height, width = crop.shape[:2]
    image = Image.fromarray(crop)
    widest = options.max_width * height / options.height
    if width > widest:
        image = image.resize((int(widest), height), Image.BILINEAR)
    return image


class PageReader:
    """A version's detector and recognizer wired together. Thread-safe, like both parts."""

    def __init__(self, recognizer: Recognizer, detector: TextDetector | None) -> None:
        self.recognizer = recognizer
        self.detector = detector

    @classmethod
    def from_bundle(cls, bundle: VersionBundle, threads: int = 1, language_model: bool = True) -> "PageReader":
        detector = None
        if bundle.detector_path is not None:
            detector = TextDetector(bundle.detector_path, bundle.detector_settings, threads=threads)
        return cls(Recognizer(bundle, threads=threads, language_model=language_model), detector)

    @classmethod
    def from_directory(cls, directory, threads: int = 1, language_model: bool = True) -> "PageReader":
        """Raises ManifestError for a version folder that must not be served."""
        return cls.from_bundle(load_version(directory), threads=threads, language_model=language_model)

    def read(self, image: Image.Image, mode: str = "auto") -> PageResult:
        """Raises ImageInputError (from preprocessing) for an image that cannot be read as a line in line mode,
        and ValueError for an unknown mode or page mode on a version without a detector."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if min(image.size) < MIN_SIDE:
            raise ImageInputError("image_too_small", f"the image is {image.width}x{image.height} pixels; "
                                  f"text needs at least {MIN_SIDE} on each side")
        if mode == "line" or (mode == "auto" and (self.detector is None or _is_line_strip(image))):
            return self._read_line(image)
        if self.detector is None:
            raise ValueError("this version has no text detector: only mode=line is available")
        rgb = to_rgb(image)
        boxes = self.detector.detect(rgb)
        rows = reading_order(boxes)
        if mode == "auto" and _is_one_line(boxes, rows, rgb.shape[:2]):
            return self._read_line(image)
        truncated = len(boxes) > MAX_LINES
        if truncated:
            keep = sorted(sorted(range(len(boxes)), key=lambda i: -boxes[i].score)[:MAX_LINES])
            boxes = [boxes[i] for i in keep]
            rows = reading_order(boxes)
        crops = [fit_line(rectified_crop(rgb, box.points), self.recognizer.options) for box in boxes]
        decoded = self.recognizer.recognize_many([preprocess(crop, self.recognizer.options) for crop in crops])
        lines = [_line(result, box.points) for result, box in zip(decoded, boxes)]
        # Lines in reading order: rows re-indexed so that lines[i] is the i-th line read.
        ordered = [index for row in rows for index in row]
        position = {index: rank for rank, index in enumerate(ordered)}
        return PageResult("page", [lines[i] for i in ordered], [[position[i] for i in row] for row in rows], truncated)

    def _read_line(self, image: Image.Image) -> PageResult:
        result = self.recognizer.recognize([image])[0]
        width, height = image.size
        box = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
        return PageResult("line", [_line(result, box)], [[0]], False)


def _is_line_strip(image: Image.Image) -> bool:
    return any(image.height <= height and image.width >= ratio * image.height for height, ratio in LINE_STRIPS)


def _is_one_line(boxes: list[TextBox], rows: list[list[int]], shape: tuple[int, int]) -> bool:
    image_height, image_width = shape
    if not rows:  # nothing detected: a line-shaped image is still given to the recognizer, as before pages
        return image_width >= 2 * image_height and image_height <= LINE_MAX_HEIGHT
    if len(rows) != 1:
        return False
    top = min(float(boxes[i].points[:, 1].min()) for i in rows[0])
    bottom = max(float(boxes[i].points[:, 1].max()) for i in rows[0])
    return bottom - top >= LINE_HEIGHT_SHARE * image_height


def _line(result: Decoded, points: np.ndarray) -> Line:
    return Line(result.text, result.confidence, np.round(points).astype(int).tolist(), result.chars)
