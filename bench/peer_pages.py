"""Runs a RapidOCR pipeline over a folder of page images (inside .venv-bench: the project never imports it).

`python bench/peer_pages.py ENGINE THREADS FOLDER` prints one JSON object per page, in name order:
`{"name", "ms", "boxes": [[[x, y] x 4]], "texts": [...]}`. Timing covers the engine's call on the decoded image.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image


def engine(name: str, threads: int):
    if name == "ppocrv4-mobile":
        from rapidocr_onnxruntime import RapidOCR

        ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        return lambda image: _v4_answer(ocr(image))
    if name == "ppocrv6-small":
        from rapidocr import RapidOCR

        ocr = RapidOCR(params={"EngineConfig.onnxruntime.intra_op_num_threads": threads,
                               "EngineConfig.onnxruntime.inter_op_num_threads": 1, "Global.log_level": "error"})
        return lambda image: _v6_answer(ocr(image))
    raise SystemExit(f"unknown engine {name!r}")


def _v4_answer(result) -> tuple[list, list]:
    found = result[0] or []
    return [np.asarray(box, dtype=float).tolist() for box, _, _ in found], [text for _, text, _ in found]


def _v6_answer(result) -> tuple[list, list]:
    if result.boxes is None:
        return [], []
    return np.asarray(result.boxes, dtype=float).tolist(), list(result.txts)


def main() -> None:
    name, threads, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    read = engine(name, threads)
    paths = sorted(folder.glob("*.png"))
    read(np.asarray(Image.open(paths[0]).convert("RGB"))[:, :, ::-1].copy())  # warm-up
    for path in paths:
        image = np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1].copy()  # both engines take BGR arrays
        started = time.perf_counter()
        boxes, texts = read(image)
        elapsed = (time.perf_counter() - started) * 1000
        print(json.dumps({"name": path.name, "ms": round(elapsed, 1), "boxes": boxes, "texts": texts},
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
