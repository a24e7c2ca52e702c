"""Model latency: torch vs ONNX Runtime on one 32x320 line, 1 and 2 threads, side by side in one run."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ocr.crnn import CRNN, CRNNConfig
from ocr.manifest import load_version
from ocr.runtime import Recognizer

from .stats import summary, time_calls

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 200


def measure(version: str) -> list[dict]:
    bundle = load_version(ROOT / "services" / f"ocr-{version}")
    line = np.random.default_rng(0).integers(0, 255, (1, 1, 32, 320)).astype(np.float32)
    model = CRNN(CRNNConfig.from_dict(bundle.manifest["model"]))
    model.load_state_dict(torch.load(ROOT / "training" / "checkpoints" / f"{version}.pt", weights_only=True))
    model.eval()
    tensor = torch.from_numpy(line)
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        recognizer = Recognizer(bundle, threads=threads)
        with torch.inference_mode():
            torch_timings = time_calls(lambda: model(tensor), REPEATS)
        onnx_timings = time_calls(lambda: recognizer.logits(line), REPEATS)
        rows.append({"version": version, "threads": threads, "torch": summary(torch_timings),
                     "onnx": summary(onnx_timings)})
    return rows


def section() -> list[str]:
    lines = ["## Model latency (one 32x320 line, batch 1)", "",
             f"{REPEATS} runs each after 3 warm-up runs; torch and ONNX Runtime measured alternately in the same run.",
             "", "| version | threads | torch median | torch p95 | ONNX Runtime median | ONNX Runtime p95 | speed-up |",
             "|---|---|---|---|---|---|---|"]
    for version in ("v1", "v2"):
        for row in measure(version):
            speedup = row["torch"]["median_ms"] / row["onnx"]["median_ms"]
            lines.append(f"| {version} | {row['threads']} | {row['torch']['median_ms']} ms "
                         f"| {row['torch']['p95_ms']} ms"
                         f" | {row['onnx']['median_ms']} ms | {row['onnx']['p95_ms']} ms | {speedup:.1f}x |")
    lines += ["", "| version | ONNX artifact | torch weights |", "|---|---|---|"]
    for version in ("v1", "v2"):
        onnx_size = (ROOT / "services" / f"ocr-{version}" / "model.onnx").stat().st_size / 2**20
        torch_size = (ROOT / "training" / "checkpoints" / f"{version}.pt").stat().st_size / 2**20
        lines.append(f"| {version} | {onnx_size:.1f} MiB | {torch_size:.1f} MiB |")
    return lines
