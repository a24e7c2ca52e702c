"""One JSON log line per inference; never image bytes."""
from __future__ import annotations

import json
import logging
import sys

LOGGER = logging.getLogger("ocr.inference")


def configure() -> None:
    if not LOGGER.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False


def log_inference(**fields) -> None:
    LOGGER.info(json.dumps({"event": "inference", **fields}, ensure_ascii=False, separators=(",", ":")))
