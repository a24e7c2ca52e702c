"""The app's recognizer: manifest verified at start (a tampered artifact stops the service), the
ONNX session then built and warmed up in the background, and only then marked ready."""
from __future__ import annotations

import io
import threading

import numpy as np
from flask import Flask, current_app
from PIL import Image

from ..manifest import VersionBundle, load_version
from ..page import PageReader
from ..preprocess import decode_image, preprocess
from .errors import ApiError


def warm_up_line(options) -> np.ndarray:
    """A PNG through the whole path (decode, preprocess): the first client request then costs no
    lazy initialisation (measured: preprocess 17 ms on its first call, 1.2 ms after)."""
    buffer = io.BytesIO()
    Image.fromarray(np.tile(np.linspace(0, 255, 240, dtype=np.uint8), (48, 1))).save(buffer, format="PNG")
    return preprocess(decode_image(buffer.getvalue()), options)


class ModelHolder:
    def __init__(self, bundle: VersionBundle) -> None:
        self.bundle = bundle
        self.reader: PageReader | None = None
        self.error: str | None = None
        self.ready = threading.Event()

    def load(self, threads: int) -> None:
        try:
            reader = PageReader.from_bundle(self.bundle, threads=threads)
            reader.recognizer.recognize_arrays([warm_up_line(reader.recognizer.options)])
            if reader.detector is not None:  # the detector's first run allocates its buffers
                reader.detector.detect(np.full((64, 256, 3), 255, dtype=np.uint8))
            self.reader = reader
            self.ready.set()
        except Exception as error:  # noqa: BLE001 - reported by /readyz, never hidden
            self.error = f"{type(error).__name__}: {error}"
            raise


def init_app(app: Flask) -> None:
    """Verify the version folder now (raises ManifestError), load the model in the background."""
    holder = ModelHolder(load_version(app.config["VERSION_DIR"]))
    app.extensions["ocr_model"] = holder
    arguments = (app.config["ORT_THREADS"],)
    if app.config["LOAD_IN_BACKGROUND"]:
        threading.Thread(target=holder.load, args=arguments, daemon=True, name="model-loader").start()
    else:
        holder.load(*arguments)


def holder() -> ModelHolder:
    return current_app.extensions["ocr_model"]


def get_reader() -> PageReader:
    """The ready page reader. Raises ApiError 503 while the model is still loading (or failed to)."""
    model = holder()
    if not model.ready.is_set():
        raise ApiError(503, "not_ready", model.error or "the model is still loading; retry shortly")
    return model.reader
