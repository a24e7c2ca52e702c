"""Models trained elsewhere, taken from pinned PyPI wheels (only files the wheel itself carries):
`python -m training.import_models detector --version v2 --from ppocrv4-mobile` puts that text detector into
services/ocr-v2/ with its sha256, source and settings in the manifest.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ocr.detection import DetectorSettings
from ocr.manifest import load_version, sha256_of, write_manifest

ROOT = Path(__file__).resolve().parent.parent
WHEEL_CACHE = ROOT / ".cache" / "wheels"


@dataclass(frozen=True)
class WheelModels:
    requirement: str  # pinned: the same bytes on every machine (checked by sha256 in the manifest)
    detector: str  # member paths inside the wheel
    recognizer: str
    license: str = "Apache-2.0"


SOURCES = {
    "ppocrv4-mobile": WheelModels("rapidocr-onnxruntime==1.4.4",
                                  "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
                                  "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"),
    "ppocrv6-small": WheelModels("rapidocr==3.10.0", "rapidocr/models/PP-OCRv6_det_small.onnx",
                                 "rapidocr/models/PP-OCRv6_rec_small.onnx"),
}
DETECTOR_FILE = "detector.onnx"


def wheel_path(requirement: str, cache: Path = WHEEL_CACHE) -> Path:
    """The pinned wheel, downloaded once into the cache (pip, no dependencies)."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        "--only-binary=:all:", requirement, "-d", str(cache)], check=True)
        found = sorted(cache.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip did not leave a wheel for {requirement} in {cache}")
    return found[0]


def read_member(requirement: str, member: str) -> bytes:
    with zipfile.ZipFile(wheel_path(requirement)) as wheel:
        return wheel.read(member)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["detector"])
    parser.add_argument("--version", required=True, help="vN: writes into services/ocr-vN/")
    parser.add_argument("--from", dest="source", required=True, choices=sorted(SOURCES))
    args = parser.parse_args()
    entry = add_detector(ROOT / "services" / f"ocr-{args.version}", args.source)
    print(f"{args.version}: detector {entry['source']} ({entry['size_bytes']} bytes, sha256 {entry['sha256'][:12]})")


if __name__ == "__main__":
    main()
