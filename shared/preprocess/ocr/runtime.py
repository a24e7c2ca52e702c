"""Serving-side recognizer: a verified version folder run with ONNX Runtime (no torch needed)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from .ctc import Decoded, decode_beam, decode_greedy, line_probabilities
from .language_model import CharLanguageModel
from .manifest import VersionBundle, load_version
from .preprocess import pad_batch, preprocess



class Recognizer:
    """Reads text lines with one model version. Thread-safe: ONNX Runtime sessions allow concurrent runs."""

    def __init__(self, bundle: VersionBundle, threads: int = 1, language_model: bool = True) -> None:
        """``language_model`` False: read greedily even where the manifest names a decoder (what the network
        alone reads, for measuring)."""
        import onnxruntime

        self.bundle = bundle
        self.charset = bundle.charset
        self.options = bundle.preprocess_options
        session_options = onnxruntime.SessionOptions()
        session_options.intra_op_num_threads = threads
        session_options.inter_op_num_threads = 1
        session_options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(bundle.artifact_path), session_options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        model_path = bundle.language_model_path if language_model else None
        self.language_model = CharLanguageModel.load(model_path) if model_path else None
        self.beam = bundle.beam_settings

    @classmethod
    def from_directory(cls, directory: str | os.PathLike, threads: int = 1,
                       language_model: bool = True) -> "Recognizer":
        return cls(load_version(Path(directory)), threads=threads, language_model=language_model)

    @property
    def version(self) -> str:
        return self.bundle.version

    def logits(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: batch})[0]

    def line_probabilities(self, lines: list[np.ndarray]) -> list[np.ndarray]:
        """Preprocessed lines (uint8, height x width) -> each one's per-frame class probabilities, one
        inference for the batch."""
        batch, widths = pad_batch(lines, style=self.options.style)
        logits = self.logits(batch)
        # Each line's share of the frames: the network's horizontal stride is whatever its output says
        # (4 for this project's CRNN, 8 for PaddleOCR's recognizers).
        frames = [max(1, width * logits.shape[1] // batch.shape[3]) for width in widths]
        return line_probabilities(logits, frames, self.bundle.outputs_probabilities)

    def decode(self, probs: np.ndarray) -> Decoded:
        """One line's probabilities -> text, the way this version reads: beam search with its language model,
        or greedily without one."""
        if self.language_model is None:
            return decode_greedy(probs, self.charset)
        return decode_beam(probs, self.charset, self.language_model, self.beam)

    def recognize_arrays(self, lines: list[np.ndarray]) -> list[Decoded]:
        """Preprocessed lines (uint8, height x width) -> decoded text, one inference for the batch."""
        if not lines:
            return []
        return [self.decode(probs) for probs in self.line_probabilities(lines)]

    def recognize_many(self, lines: list[np.ndarray], batch_size: int = 16) -> list[Decoded]:
        """Many preprocessed lines (a page's): batches of similar width, so little time goes on padding."""
        order = sorted(range(len(lines)), key=lambda i: lines[i].shape[1])
        results: list[Decoded | None] = [None] * len(lines)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            for index, decoded in zip(chunk, self.recognize_arrays([lines[i] for i in chunk])):
                results[index] = decoded
        return results

    def recognize(self, images: list[Image.Image]) -> list[Decoded]:
        return self.recognize_arrays([preprocess(image, self.options) for image in images])
