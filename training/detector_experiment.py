"""Which text detector, at which input scaling: `python -m training.detector_experiment [--recognizer v1]`.

Both wheels' DB detectors (PP-OCRv4 from rapidocr-onnxruntime, PP-OCRv6 small from rapidocr) under both
scalings (longest side at most 960 px; shortest side at least 736 px, RapidOCR's default), each with the same
recognizer, on the page evaluation set; 1 thread. Writes training/experiments/detector-choice.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from ocr.detection import DetectorSettings
from ocr.page import PageReader

from .evaluate_pages import evaluate_pages
from .import_models import add_detector

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "training" / "experiments" / "detector-choice.json"
CANDIDATES = {
    "ppocrv4-mobile, max side 960": ("ppocrv4-mobile", DetectorSettings()),
    "ppocrv4-mobile, min side 736": ("ppocrv4-mobile", DetectorSettings(limit_side_len=736, limit_type="min")),
    "ppocrv6-small, max side 960": ("ppocrv6-small", DetectorSettings()),
    "ppocrv6-small, min side 736": ("ppocrv6-small", DetectorSettings(limit_side_len=736, limit_type="min")),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recognizer", default="v1", help="the version whose recognizer reads the crops")
    args = parser.parse_args()
    results = {}
    for name, (source, settings) in CANDIDATES.items():
        with tempfile.TemporaryDirectory() as folder:
            version_dir = Path(folder) / "ocr-probe"
            shutil.copytree(ROOT / "services" / f"ocr-{args.recognizer}", version_dir)
            add_detector(version_dir, source, settings)
            report = evaluate_pages(PageReader.from_directory(version_dir))
        results[name] = {group: report[group] for group in ("overall", "blind_fonts", "photo", "screenshot_light")}
        overall = report["overall"]
        print(f"{name:<32} chars {overall['char_accuracy']:.2%}  lines {overall['line_recall']:.2%}  "
              f"median {overall['median_ms']:.0f} ms", flush=True)
    RESULT.write_text(json.dumps({"recognizer": args.recognizer, "threads": 1, "results": results}, indent=2) + "\n",
                      encoding="utf-8")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
