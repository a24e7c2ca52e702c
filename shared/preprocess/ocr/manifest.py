"""A version folder (services/ocr-vN/): the ONNX artifact and its manifest, verified on load."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .charset import Charset
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
    artifact = directory / manifest["artifact"]
    if Path(manifest["artifact"]).name != manifest["artifact"] or not artifact.is_file():
        raise ManifestError(f"artifact {manifest['artifact']!r} is not a file in {directory}")
    actual = sha256_of(artifact)
    if actual != manifest["sha256"]:
        raise ManifestError(
            f"sha256 mismatch for {artifact}: manifest says {manifest['sha256']}, file is {actual}; refusing to load"
        )
    alphabet = manifest["charset"].get("alphabet", "")
    if hashlib.sha256(alphabet.encode("utf-8")).hexdigest() != manifest["charset"].get("sha256"):
        raise ManifestError(f"{manifest_path}: charset alphabet does not match its sha256")
    return VersionBundle(directory, manifest)


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
