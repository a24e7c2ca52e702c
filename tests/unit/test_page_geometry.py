"""Pure pieces of the page pipeline: detector input scaling, DB post-processing, corner order, reading order."""
import numpy as np
from PIL import Image

from ocr.detection import DetectorSettings, TextBox, boxes_from_map, order_clockwise
from ocr.page import fit_line, reading_order
from ocr.preprocess import PreprocessOptions


def box(left, top, right, bottom):
    return TextBox(np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float32), 0.9)


def test_detector_input_is_a_multiple_of_32_within_the_limits():
    settings = DetectorSettings(limit_side_len=960, limit_type="max", max_side_len=2000)
    assert settings.input_size(2048, 768) == (960, 352)  # longest side to 960, each side to a multiple of 32
    assert settings.input_size(320, 32) == (320, 32)  # never upscaled in "max" mode
    upscale = DetectorSettings(limit_side_len=736, limit_type="min", max_side_len=2000)
    assert upscale.input_size(320, 32) == (1984, 192)  # shortest side up to 736, then longest capped at 2000
    assert upscale.input_size(1000, 800) == (992, 800)  # already large enough: only rounded to 32


def test_probability_blobs_become_boxes_in_image_coordinates():
    probability = np.zeros((64, 128), dtype=np.float32)
    probability[10:18, 20:100] = 0.9  # a long line, and a short word below it
    probability[40:48, 30:60] = 0.8
    probability[55:57, 5:7] = 0.9  # too small to be text
    settings = DetectorSettings(unclip_ratio=1.5)
    boxes = boxes_from_map(probability, width=256, height=128, settings=settings)  # the image is twice the map
    assert len(boxes) == 2
    first, second = sorted(boxes, key=lambda b: b.center_y)
    assert abs(first.center_y - 2 * 13.5) < 3 and abs(second.center_y - 2 * 43.5) < 3
    assert first.points[:, 0].min() < 40 and first.points[:, 0].max() > 198  # grown around the kernel, scaled x2
    assert 0.7 < first.score <= 0.9  # the mean over the (dilated) rectangle
    faint = np.where(probability > 0, 0.35, 0).astype(np.float32)  # above threshold, below box_threshold
    assert boxes_from_map(faint, 256, 128, settings) == []


def test_corners_come_clockwise_from_the_top_left():
    shuffled = np.array([[90, 40], [10, 12], [10, 40], [90, 10]], dtype=np.float32)
    assert order_clockwise(shuffled).tolist() == [[10, 12], [90, 10], [90, 40], [10, 40]]


def test_reading_order_is_rows_top_to_bottom_then_left_to_right():
    boxes = [box(400, 102, 600, 130), box(10, 10, 300, 40), box(10, 100, 200, 128), box(320, 14, 500, 42),
             box(10, 200, 400, 230)]
    assert reading_order(boxes) == [[1, 3], [2, 0], [4]]
    assert reading_order([]) == []


def test_a_crop_wider_than_the_recognizer_takes_is_squeezed_not_refused():
    options = PreprocessOptions(height=32, max_width=2048)
    crop = np.full((20, 5000, 3), 255, dtype=np.uint8)
    fitted = fit_line(crop, options)
    assert isinstance(fitted, Image.Image) and fitted.height == 20 and fitted.width * 32 / 20 <= 2048
    assert fit_line(np.zeros((20, 300, 3), np.uint8), options).size == (300, 20)


def test_a_low_wide_strip_is_read_as_a_line_without_running_the_detector():
    from ocr.page import PageReader

    class NoDetector:
        def detect(self, rgb):
            raise AssertionError("the detector ran on a line strip")

    class Recognizer:
        def recognize(self, images):
            from ocr.ctc import Decoded
            return [Decoded("text", 0.9, [])]

    reader = PageReader(Recognizer(), NoDetector())
    for size in ((330, 32), (860, 75), (720, 120)):
        result = reader.read(Image.new("L", size, 255))
        assert result.mode == "line" and result.text == "text", size
    for size in ((200, 41), (700, 120), (1000, 121)):  # taller or squarer: the detector decides
        with np.testing.assert_raises(AssertionError):
            reader.read(Image.new("L", size, 255))
