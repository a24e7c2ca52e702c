"""Image decoding and the one preprocessing function shared by training, evaluation and serving.

Two styles, named in each version's manifest:
- "gray" (this project's CRNN): a uint8 array (height, width), contrast-stretched, text bright on a dark (0)
  background, so that zero padding to the right of a line looks like more background; fed as 0..255.
  Colour becomes one channel by ``gray``: "luminance" (PIL's L) or "contrast" (contrast_gray, after resizing).
- "paddle" (PaddleOCR-format recognizers from elsewhere): a uint8 array (height, width, 3) in BGR order, as
  the image is; fed as (pixel / 255 - 0.5) / 0.5, padded with 0 in that scale, as PaddleOCR does.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 40_000_000


class ImageInputError(ValueError):
    """An image that cannot be read as one text line; ``code`` is a stable machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


STYLES = ("gray", "paddle")
GRAY_CONVERSIONS = ("luminance", "contrast")


@dataclass(frozen=True)
class PreprocessOptions:
    height: int = 32
    max_width: int = 2048
    binarize: bool = False
    style: str = "gray"  # see the module docstring
    gray: str = "luminance"  # how the "gray" style turns colour into one channel (GRAY_CONVERSIONS)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown preprocessing style {self.style!r}; known: {', '.join(STYLES)}")
        if self.gray not in GRAY_CONVERSIONS:
            raise ValueError(f"unknown gray conversion {self.gray!r}; known: {', '.join(GRAY_CONVERSIONS)}")

    def to_dict(self) -> dict:
        return asdict(self)


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Bytes -> a loaded PIL image (first frame of an animation, EXIF orientation applied).

    Raises ImageInputError for empty, unreadable, truncated or oversized (decompression bomb) input.
    """
    if not data:
        raise ImageInputError("empty_image", "the image is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageInputError(
                    "image_too_large",
                    f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels",
                )
            image.seek(0)
            image.load()
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageInputError("image_too_large", f"the image decodes to too many pixels: {error}") from error
    except UnidentifiedImageError as error:
        raise ImageInputError("not_an_image", "the data is not an image in a supported format") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageInputError("corrupt_image", f"the image could not be decoded: {error}") from error
    return ImageOps.exif_transpose(_readable_mode(image))


_READABLE_MODES = frozenset({"1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LA", "PA", "RGBa", "La", "I", "I;16",
                             "I;16B", "I;16L", "F"})


def _readable_mode(image: Image.Image) -> Image.Image:
    """A mode every later step handles: CIELab keeps its lightness, other exotic modes become RGB, and one
    Pillow cannot convert is the client's error (ImageInputError), never a 500."""
    if image.mode in _READABLE_MODES:
        return image
    if image.mode == "LAB":
        return image.getchannel("L")
    try:
        return image.convert("RGB")
    except (ValueError, OSError) as error:
        raise ImageInputError("unsupported_mode", f"images in colour mode {image.mode} cannot be read") from error


def to_grayscale(image: Image.Image) -> np.ndarray:
    """Any PIL mode -> uint8 luminance; transparency is composited over white, 16-bit is rescaled.

    Deep images are narrowed in place or in float32, never through float64 copies: a 40 Mpx 16-bit image
    costs its own 80 MB plus the 40 MB result, not a gigabyte.
    """
    if image.mode.startswith("I;16"):
        values = np.array(image, dtype=np.uint16)
        np.right_shift(values, 8, out=values)
        return values.astype(np.uint8)
    if image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float32)
        low, high = (float(values.min()), float(values.max())) if image.mode == "F" else (0.0, float(values.max()))
        if image.mode == "I" and high <= 255:
            return np.clip(values, 0, 255).astype(np.uint8)
        if high <= low:
            return np.zeros(values.shape, dtype=np.uint8)
        values -= low
        values *= 255.0 / (high - low)
        return values.astype(np.uint8)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    if image.mode == "CMYK":
        image = image.convert("RGB")
    return np.asarray(image.convert("L"), dtype=np.uint8)


def to_rgb(image: Image.Image) -> np.ndarray:
    """Any PIL mode -> (height, width, 3) uint8 RGB for the detector; 16-bit and float go through
    to_grayscale's rescaling, transparency is composited over white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return np.repeat(to_grayscale(image)[:, :, None], 3, axis=2)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La", "P"):
        image = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, (255, 255, 255, 255)), image)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


_COVARIANCE_SAMPLES = 65_536  # pixels enough to find a line's colour axis


def contrast_gray(rgb: np.ndarray) -> np.ndarray:
    """(height, width, 3) uint8 -> float32 (height, width): pixels projected on their axis of greatest variance.

    In a text line that axis runs from the background's colour to the text's, so text that differs from its
    background mostly in hue (red on green, white on yellow, a coloured sign) keeps its contrast, where
    luminance can all but erase it. A gray image's axis is the gray one: the result is its luminance up to
    scale and offset, which normalize_contrast removes.
    """
    pixels = rgb.reshape(-1, 3).astype(np.float32)
    sample = pixels[:: max(1, len(pixels) // _COVARIANCE_SAMPLES)]
    centred = sample - sample.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    axis = vectors[:, -1]  # eigh sorts eigenvalues ascending: the last vector is the principal axis
    return (pixels @ axis).reshape(rgb.shape[:2])  # its sign does not matter: normalize_contrast sets polarity


def normalize_contrast(gray: np.ndarray) -> np.ndarray:
    """Stretch the 1st..99th percentile to 0..255 and make text bright on a dark background."""
    low, high = np.percentile(gray, [1, 99])
    if high - low < 1:
        return np.zeros_like(gray, dtype=np.uint8)
    stretched = np.clip((gray.astype(np.float32) - low) * (255.0 / (high - low)), 0, 255)
    # Background is the majority of a text line: if it is light, the text is dark, so invert.
    if np.median(stretched) > 127:
        stretched = 255.0 - stretched
    return stretched.astype(np.uint8)


def binarize_adaptive(gray: np.ndarray, radius: int = 8, offset: float = 10.0) -> np.ndarray:
    """Local-mean threshold (the seed article's adaptive binarisation), for bright-on-dark input."""
    local_mean = np.asarray(Image.fromarray(gray).filter(ImageFilter.BoxBlur(radius)), dtype=np.float32)
    return np.where(gray.astype(np.float32) > local_mean + offset, 255, 0).astype(np.uint8)


def preprocess(image: Image.Image, options: PreprocessOptions = PreprocessOptions()) -> np.ndarray:
    """PIL image -> uint8 (options.height, width): grayscale, contrast, optional binarisation, resize.

    The width keeps the aspect ratio. Raises ImageInputError when the image is too small to hold text
    or so wide that it cannot be one text line.
    """
    width, height = image.size
    if width < 2 or height < 2:
        raise ImageInputError("image_too_small", f"the image is {width}x{height} pixels; a text line needs more")
    target_width = max(8, round(width * options.height / height))
    if target_width > options.max_width:
        raise ImageInputError(
            "aspect_ratio",
            f"the image is {width}x{height}: too wide for one text line "
            f"(width/height above {options.max_width // options.height})",
        )
    if options.style == "paddle":
        resized = Image.fromarray(to_rgb(image)).resize((target_width, options.height), Image.BILINEAR)
        return np.ascontiguousarray(np.asarray(resized, dtype=np.uint8)[:, :, ::-1])
    if options.gray == "contrast":  # resized first: a line's colour axis is the same at any scale, and cheap there
        resized = Image.fromarray(to_rgb(image)).resize((target_width, options.height), Image.BILINEAR)
        gray = normalize_contrast(contrast_gray(np.asarray(resized)))
        return binarize_adaptive(gray) if options.binarize else gray
    gray = normalize_contrast(to_grayscale(image))
    if options.binarize:
        gray = binarize_adaptive(gray)
    resized = Image.fromarray(gray).resize((target_width, options.height), Image.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)


def pad_batch(lines: list[np.ndarray], width_multiple: int = 8, style: str = "gray") -> tuple[np.ndarray, list[int]]:
    """Stack preprocessed lines into a float32 (batch, channels, height, width) array in the style's input
    scale, padded with background (gray: 0, dark; paddle: 0 after scaling, mid-grey).

    Returns the batch and each line's true width.
    """
    widths = [line.shape[1] for line in lines]
    padded_width = -(-max(widths) // width_multiple) * width_multiple
    channels = 3 if style == "paddle" else 1
    batch = np.zeros((len(lines), channels, lines[0].shape[0], padded_width), dtype=np.float32)
    for i, line in enumerate(lines):
        if style == "paddle":
            batch[i, :, :, : line.shape[1]] = line.transpose(2, 0, 1) * (2 / 255.0) - 1.0
        else:
            batch[i, 0, :, : line.shape[1]] = line
    return batch, widths
