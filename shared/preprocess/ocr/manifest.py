"""A version folder (services/ocr-vN/): the ONNX artifact and its manifest, verified on load."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .charset import Charset
from .ctc import BeamSettings
from .detection import DetectorSettings
from .preprocess import PreprocessOptions

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


class ManifestError(RuntimeError):
    """A version folder that must not be served: missing files, bad manifest, or sha256 mismatch."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class VersionBundle:
    """A verified version folder."""

    directory: Path
    manifest: dict

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def artifact_path(self) -> Path:
        return self.directory / self.manifest["artifact"]

    @property
    def charset(self) -> Charset:
        return Charset(self.manifest["charset"]["alphabet"])

    @property
    def preprocess_options(self) -> PreprocessOptions:
        return PreprocessOptions(**self.manifest["preprocess"])

    @property
    def outputs_probabilities(self) -> bool:
        """True when the recognizer ends in a softmax (models from elsewhere); ours output logits."""
        return self.manifest.get("outputs", "logits") == "probabilities"

    @property
    def detector_path(self) -> Path | None:
        """The text detector's ONNX file, or None for a version that reads cut-out lines only."""
        entry = self.manifest.get("detector")
        return self.directory / entry["artifact"] if entry else None

    @property
    def detector_settings(self) -> DetectorSettings:
        return DetectorSettings(**self.manifest.get("detector", {}).get("settings", {}))

    @property
    def language_model_path(self) -> Path | None:
        """The character language model the beam search scores with, or None: the version reads greedily."""
        entry = self.manifest.get("decoder", {}).get("language_model")
        return self.directory / entry["artifact"] if entry else None

    @property
    def beam_settings(self) -> BeamSettings:
        return BeamSettings(**self.manifest.get("decoder", {}).get("settings", {}))

    @property
    def model_files(self) -> list[str]:
        """Every file the manifest names (recognizer, detector, language model): what a copy of the version needs."""
        named = [self.detector_path, self.language_model_path]
        return [self.manifest["artifact"], *(path.name for path in named if path is not None)]

    def public_manifest(self) -> dict:
        """The manifest without the (long) alphabet, for people and HTTP."""
        charset = {key: value for key, value in self.manifest["charset"].items() if key != "alphabet"}
        return {**self.manifest, "charset": charset}


def load_version(directory: str | os.PathLike) -> VersionBundle:
    """Read and verify a version folder. Raises ManifestError on any inconsistency."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ManifestError(f"no {MANIFEST_NAME} in {directory}") from error
    except json.JSONDecodeError as error:
        raise ManifestError(f"{manifest_path} is not valid JSON: {error}") from error
    for key in ("format", "version", "artifact", "sha256", "charset", "preprocess"):
        if key not in manifest:
            raise ManifestError(f"{manifest_path} lacks '{key}'")
    if manifest["format"] != FORMAT_VERSION:
        raise ManifestError(f"{manifest_path} has format {manifest['format']}; this code reads {FORMAT_VERSION}")
    _verify_file(directory, manifest["artifact"], manifest["sha256"])
    if "detector" in manifest:
        detector = manifest["detector"] if isinstance(manifest["detector"], dict) else {}
        _verify_part(directory, manifest_path, "detector", detector, detector.get("settings", {}), DetectorSettings)
    if "decoder" in manifest:
        decoder = manifest["decoder"] if isinstance(manifest["decoder"], dict) else {}
        _verify_part(directory, manifest_path, "decoder", decoder.get("language_model"), decoder.get("settings", {}),
                     BeamSettings)
    alphabet = manifest["charset"].get("alphabet", "")
    if hashlib.sha256(alphabet.encode("utf-8")).hexdigest() != manifest["charset"].get("sha256"):
        raise ManifestError(f"{manifest_path}: charset alphabet does not match its sha256")
    return VersionBundle(directory, manifest)


def _verify_part(directory: Path, manifest_path: Path, part: str, entry, settings: dict, settings_type) -> None:
    """A further model file (the detector, the decoder's language model): named with its sha256 and verified,
    its settings readable."""
    if not isinstance(entry, dict) or not {"artifact", "sha256"} <= entry.keys():
        raise ManifestError(f"{manifest_path}: '{part}' needs a model file: 'artifact' and 'sha256'")
    _verify_file(directory, entry["artifact"], entry["sha256"])
    try:
        settings_type(**settings)
    except TypeError as error:
        raise ManifestError(f"{manifest_path}: bad {part} settings: {error}") from error


def _verify_file(directory: Path, name: str, expected_sha256: str) -> None:
    """A model file named in the manifest: a plain file of the folder whose sha256 matches."""
    path = directory / name
    if Path(name).name != name or not path.is_file():
        raise ManifestError(f"artifact {name!r} is not a file in {directory}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ManifestError(f"sha256 mismatch for {path}: manifest says {expected_sha256}, file is {actual}; "
                            "refusing to load")


def charset_entry(charset: Charset) -> dict:
    return {
        "name": "ascii+zh-punct+gb2312-level1",
        "size": len(charset.alphabet),
        "sha256": hashlib.sha256(charset.alphabet.encode("utf-8")).hexdigest(),
        "alphabet": charset.alphabet,
    }


def write_manifest(directory: Path, manifest: dict) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a manifest."""
    temporary = directory / f".{MANIFEST_NAME}.tmp"
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, directory / MANIFEST_NAME)
