"""Turn trained weights into a version folder: ONNX artifact + manifest (sha256, charset, config)."""
from __future__ import annotations

import datetime
import warnings
from pathlib import Path

import torch

from ocr.charset import Charset
from ocr.crnn import CRNN
from ocr.manifest import FORMAT_VERSION, charset_entry, sha256_of, write_manifest

from .train_config import TrainConfig

ARTIFACT_NAME = "model.onnx"
ONNX_OPSET = 17


def export_onnx(model: CRNN, path: Path) -> None:
    """Export with dynamic batch and width (the frames axis follows the width)."""
    model = model.eval()
    example = torch.zeros(1, 1, model.config.input_height, 160)
    temporary = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter warns about LSTM batch_first; the graph is correct
        torch.onnx.export(
            model,
            (example,),
            str(temporary),
            input_names=["image"],
            output_names=["logits"],
            dynamic_axes={"image": {0: "batch", 3: "width"}, "logits": {0: "batch", 1: "frames"}},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    temporary.replace(path)


def write_version_folder(model: CRNN, config: TrainConfig, charset: Charset, version_dir: Path,
                         training_stats: dict, metrics: dict | None = None) -> Path:
    version_dir.mkdir(parents=True, exist_ok=True)
    artifact = version_dir / ARTIFACT_NAME
    export_onnx(model, artifact)
    manifest = {
        "format": FORMAT_VERSION,
        "version": config.version,
        "artifact": ARTIFACT_NAME,
        "sha256": sha256_of(artifact),
        "size_bytes": artifact.stat().st_size,
        "charset": charset_entry(charset),
        "input_height": config.preprocess.height,
        "preprocess": config.preprocess.to_dict(),
        "model": model.config.to_dict(),
        "training": {"config": {**config.to_dict(), "preprocess": config.preprocess.to_dict()}, **training_stats},
        "metrics": metrics or {},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    write_manifest(version_dir, manifest)
    from .import_models import DEFAULT_DETECTOR, add_detector  # a version reads pages with the chosen detector

    add_detector(version_dir, DEFAULT_DETECTOR)
    return artifact
