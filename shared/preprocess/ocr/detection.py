"""Text detection: a DB (differentiable binarisation) detector run with ONNX Runtime, then its
post-processing: probability map -> bitmap -> contours -> scored, unclipped, rotated boxes.

The detector ships in the version folder (its sha256 and these settings are in the manifest), so a new
detector or new settings are a new version that goes through the canary like any recognizer change.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np
import pyclipper


@dataclass(frozen=True)
class DetectorSettings:
    """How an image is scaled for the detector and how its probability map becomes boxes."""

    limit_side_len: int = 960  # with limit_type "max": the longest side at most this (downscale only)
    limit_type: str = "max"  # "min": the shortest side at least limit_side_len (upscales small images)
    max_side_len: int = 2000  # never feed the network more than this on the longest side
    mean: float = 0.5  # input normalisation: (pixel / 255 - mean) / std, the same for B, G, R
    std: float = 0.5
    threshold: float = 0.3  # map pixels above this are text
    box_threshold: float = 0.5  # a box's mean probability must reach this
    unclip_ratio: float = 1.6  # grow each shrunk text kernel by area * ratio / perimeter
    max_candidates: int = 1000  # contours considered, largest first: bounds time on noise and tiny text
    min_side: float = 3.0  # boxes thinner than this (in map pixels) are dropped
    dilate: bool = True  # a 2x2 dilation joins kernels of touching characters

    def to_dict(self) -> dict:
        return asdict(self)

    def input_size(self, width: int, height: int) -> tuple[int, int]:
        """The network's input (width, height): scaled by the limits, each a multiple of 32."""
        if self.limit_type == "min":
            ratio = max(1.0, self.limit_side_len / min(width, height))
        else:
            ratio = min(1.0, self.limit_side_len / max(width, height))
        ratio *= min(1.0, self.max_side_len / (max(width, height) * ratio))
        return (max(32, int(round(width * ratio / 32)) * 32), max(32, int(round(height * ratio / 32)) * 32))


@dataclass(frozen=True)
class TextBox:
    """A detected text region: four corners in image pixels, clockwise from the top-left, and its score."""

    points: np.ndarray  # (4, 2) float32
    score: float

    @property
    def height(self) -> float:
        return float(max(np.linalg.norm(self.points[0] - self.points[3]), np.linalg.norm(self.points[1] - self.points[2])))

    @property
    def center_y(self) -> float:
        return float(self.points[:, 1].mean())


class TextDetector:
    """Finds text boxes in an RGB image. Thread-safe (one ONNX Runtime session, concurrent runs allowed)."""

    def __init__(self, model_path, settings: DetectorSettings, threads: int = 1) -> None:
        import onnxruntime

        self.settings = settings
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def probability_map(self, rgb: np.ndarray) -> np.ndarray:
        """(height, width, 3) uint8 -> the network's text probability map at its input size."""
        height, width = rgb.shape[:2]
        size = self.settings.input_size(width, height)
        resized = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if size[0] < width else cv2.INTER_LINEAR)
        # PaddleOCR detectors were trained on BGR frames (OpenCV's order).
        blob = (resized[:, :, ::-1].astype(np.float32) * (1 / 255.0) - self.settings.mean) / self.settings.std
        return self.session.run(None, {self.input_name: blob.transpose(2, 0, 1)[None]})[0][0, 0]

    def detect(self, rgb: np.ndarray) -> list[TextBox]:
        height, width = rgb.shape[:2]
        return boxes_from_map(self.probability_map(rgb), width, height, self.settings)


def boxes_from_map(probability: np.ndarray, width: int, height: int, settings: DetectorSettings) -> list[TextBox]:
    """The DB post-processing: boxes in the coordinates of a ``width`` x ``height`` image."""
    bitmap = (probability > settings.threshold).astype(np.uint8)
    if settings.dilate:
        bitmap = cv2.dilate(bitmap, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[: settings.max_candidates]
    map_height, map_width = probability.shape
    scale = np.array([width / map_width, height / map_height], dtype=np.float32)
    boxes = []
    for contour in contours:
        rectangle = cv2.minAreaRect(contour)
        if min(rectangle[1]) < settings.min_side:
            continue
        score = mean_inside(probability, cv2.boxPoints(rectangle))
        if score < settings.box_threshold:
            continue
        grown = cv2.minAreaRect(unclip(cv2.boxPoints(rectangle), settings.unclip_ratio))
        if min(grown[1]) < settings.min_side + 2:
            continue
        points = order_clockwise(cv2.boxPoints(grown)) * scale
        points[:, 0] = np.clip(points[:, 0], 0, width - 1)
        points[:, 1] = np.clip(points[:, 1], 0, height - 1)
        boxes.append(TextBox(points.astype(np.float32), score))
    return boxes


def mean_inside(probability: np.ndarray, polygon: np.ndarray) -> float:
    """Mean probability inside a polygon, computed over its bounding rectangle only."""
    map_height, map_width = probability.shape
    left, top = np.clip(np.floor(polygon.min(axis=0)).astype(int), 0, [map_width - 1, map_height - 1])
    right, bottom = np.clip(np.ceil(polygon.max(axis=0)).astype(int), 0, [map_width - 1, map_height - 1])
    mask = np.zeros((bottom - top + 1, right - left + 1), dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(polygon - [left, top]).astype(np.int32)], 1)
    return float(cv2.mean(probability[top:bottom + 1, left:right + 1], mask)[0])


def unclip(polygon: np.ndarray, ratio: float) -> np.ndarray:
    """Grow a polygon outwards by area * ratio / perimeter: DB predicts shrunk text kernels."""
    area = cv2.contourArea(polygon.astype(np.float32))
    perimeter = cv2.arcLength(polygon.astype(np.float32), True)
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(np.round(polygon).astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    grown = offset.Execute(area * ratio / max(perimeter, 1e-6))
    return np.array(max(grown, key=len) if grown else polygon, dtype=np.float32).reshape(-1, 2)


def order_clockwise(points: np.ndarray) -> np.ndarray:
    """Four corners ordered top-left, top-right, bottom-right, bottom-left (image y grows downwards)."""
    by_x = points[np.argsort(points[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    top_left, bottom_left = left[np.argsort(left[:, 1], kind="stable")]
    top_right, bottom_right = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float32)


def rectified_crop(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The quadrilateral cut out and warped to an upright rectangle; tall crops (vertical text) turned."""
    width = int(round(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[3] - points[2]))))
    height = int(round(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2]))))
    width, height = max(width, 2), max(height, 2)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(points.astype(np.float32), target)
    crop = cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if height >= 1.5 * width:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)
