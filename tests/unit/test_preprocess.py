"""Every image kind a client may send goes through the one preprocess function the model was trained with."""
import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.preprocess import ImageInputError, PreprocessOptions, decode_image, pad_batch, preprocess
from tests.helpers import encode


def text_line(mode="L", size=(200, 50), dark_text=True) -> Image.Image:
    background, ink = (255, 0) if dark_text else (0, 255)
    image = Image.new("L", size, background)
    ImageDraw.Draw(image).rectangle((20, 15, 120, 35), fill=ink)  # a "glyph" left of centre
    return image.convert(mode)


def assert_line(result: np.ndarray, width: int):
    assert result.dtype == np.uint8 and result.shape == (32, width)
    # Text bright on a dark background, whatever the input polarity.
    assert np.median(result) < 30
    assert result[:, 20:40].max() > 200 and result[:, -10:].max() < 30


@pytest.mark.parametrize("format,mode", [
    ("PNG", "L"), ("PNG", "RGB"), ("PNG", "RGBA"), ("PNG", "P"), ("PNG", "LA"),
    ("JPEG", "L"), ("JPEG", "RGB"), ("JPEG", "CMYK"), ("BMP", "RGB"), ("WEBP", "RGB"),
    ("TIFF", "RGB"), ("TIFF", "L"), ("GIF", "P"),
])
def test_every_image_kind_becomes_the_same_kind_of_line(format, mode):
    image = decode_image(encode(text_line(mode), format))
    assert_line(preprocess(image), width=128)


def test_sixteen_bit_png_is_rescaled_not_clipped():
    values = np.where(np.asarray(text_line()) > 127, 65535, 0).astype(np.uint16)
    image = decode_image(encode(Image.fromarray(values), "PNG"))
    assert image.mode.startswith("I")
    assert_line(preprocess(image), width=128)


def test_transparent_text_is_composited_over_white():
    rgba = Image.new("RGBA", (200, 50), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((20, 15, 120, 35), fill=(0, 0, 0, 255))
    assert_line(preprocess(decode_image(encode(rgba, "PNG"))), width=128)


def test_light_text_on_dark_background_gets_the_same_polarity():
    assert_line(preprocess(text_line(dark_text=False)), width=128)


def test_exif_orientation_is_applied():
    upright = text_line("RGB")
    stored = upright.rotate(90, expand=True)  # 50x200 as stored on a sideways camera
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    image = decode_image(encode(stored, "JPEG", exif=exif))
    assert image.size == (200, 50)


def test_animated_gif_reads_the_first_frame():
    frames = [text_line("P"), Image.new("P", (200, 50), 0)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert_line(preprocess(decode_image(data)), width=128)


def test_aspect_ratio_is_kept_and_height_normalised():
    assert preprocess(text_line(size=(400, 100))).shape == (32, 128)
    assert preprocess(text_line(size=(100, 100))).shape == (32, 32)


@pytest.mark.parametrize("data,code", [
    (b"", "empty_image"),
    (b"hello, not an image", "not_an_image"),
])
def test_unreadable_bytes_are_refused(data, code):
    with pytest.raises(ImageInputError) as caught:
        decode_image(data)
    assert caught.value.code == code


@pytest.mark.parametrize("format", ["PNG", "JPEG"])
def test_truncated_files_are_refused(format):
    data = encode(text_line("RGB", size=(400, 100)), format)
    with pytest.raises(ImageInputError) as caught:
        decode_image(data[: len(data) // 2])
    assert caught.value.code == "corrupt_image"


def test_decompression_bomb_is_refused_before_decoding():
    bomb = encode(Image.new("1", (20000, 20000), 1), "PNG")
    assert len(bomb) < 100_000
    with pytest.raises(ImageInputError) as caught:
        decode_image(bomb, max_pixels=40_000_000)
    assert caught.value.code == "image_too_large"


def test_tiny_and_extremely_wide_images_are_refused():
    with pytest.raises(ImageInputError, match="1x1"):
        preprocess(Image.new("L", (1, 1)))
    with pytest.raises(ImageInputError) as caught:
        preprocess(Image.new("L", (10000, 8)))
    assert caught.value.code == "aspect_ratio"


def test_blank_image_is_all_background():
    assert preprocess(Image.new("L", (100, 32), 200)).max() == 0


def test_binarisation_leaves_only_two_levels():
    line = Image.new("L", (128, 32), 230)
    ImageDraw.Draw(line).rectangle((29, 8, 31, 24), fill=40)  # a thin stroke
    result = preprocess(line, PreprocessOptions(binarize=True))  # already 32 high: no resampling
    assert result[16, 30] == 255 and result[2, 100] == 0
    assert set(np.unique(result)) <= {0, 255}


def test_pad_batch_pads_with_background_to_a_multiple_of_eight():
    batch, widths = pad_batch([np.full((32, 10), 255, np.uint8), np.full((32, 21), 255, np.uint8)])
    assert batch.shape == (2, 1, 32, 24) and widths == [10, 21]
    assert batch[0, 0, :, 10:].max() == 0 and batch[1, 0, :, :21].min() == 255


def coloured_line(ink, paper, noise=8.0) -> Image.Image:
    """The test glyph in ``ink`` on ``paper`` with a camera's noise in each channel."""
    image = Image.new("RGB", (200, 50), paper)
    ImageDraw.Draw(image).rectangle((20, 15, 120, 35), fill=ink)
    pixels = np.asarray(image, dtype=np.float32) + np.random.default_rng(0).normal(0, noise, (50, 200, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def glyph_contrast(result: np.ndarray) -> float:
    """Mean level of the glyph's columns minus the blank right end's, in the preprocessed line."""
    return float(result[10:22, 16:36].mean() - result[10:22, -10:].mean())


def test_contrast_gray_keeps_text_that_differs_from_its_background_only_in_hue():
    red_on_green = coloured_line((200, 40, 40), (40, 140, 60))  # luminance 88 vs 101
    luminance = preprocess(red_on_green, PreprocessOptions(gray="luminance"))
    contrast = preprocess(red_on_green, PreprocessOptions(gray="contrast"))
    assert glyph_contrast(contrast) > 150
    assert glyph_contrast(contrast) > 2 * glyph_contrast(luminance)
    assert_line(contrast, width=128)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "I;16"])
def test_contrast_gray_reads_gray_and_every_mode_like_luminance(mode):
    image = text_line("L").convert(mode) if mode != "I;16" else Image.fromarray(
        (np.asarray(text_line("L"), dtype=np.uint16) * 257))
    assert_line(preprocess(image, PreprocessOptions(gray="contrast")), width=128)


def test_an_unknown_gray_conversion_is_refused():
    with pytest.raises(ValueError, match="gray conversion"):
        PreprocessOptions(gray="hue")
