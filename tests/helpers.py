"""Paths and small helpers shared by the tests (and the benchmarks)."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def version_dir(version: str) -> Path:
    return ROOT / "services" / f"ocr-{version}"


def encode(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()
