"""A version folder is served only when its artifact is exactly the one its manifest names."""
import json
import shutil

import pytest

from ocr.manifest import ManifestError, load_version
from ocr.runtime import Recognizer
from tests.helpers import version_dir

VERSIONS = ["v1", "v2"]


@pytest.mark.parametrize("version", VERSIONS)
def test_committed_versions_verify_and_describe_themselves(version):
    bundle = load_version(version_dir(version))
    manifest = bundle.manifest
    assert bundle.version == version
    assert manifest["input_height"] == 32 and manifest["charset"]["size"] == len(bundle.charset.alphabet)
    assert {"config", "steps", "duration_s"} <= set(manifest["training"])
    assert manifest["training"]["config"]["data_seed"] > 0 and manifest["training"]["steps"] > 0
    for category in ("en", "num", "zh", "mixed", "hard", "overall"):
        assert 0 <= manifest["metrics"]["evaluation"][category]["line_accuracy"] <= 1
    assert bundle.artifact_path.stat().st_size < 50 * 2**20
    assert "alphabet" not in bundle.public_manifest()["charset"]
    assert sorted(bundle.model_files) == ["chars-5.json.gz", "detector.onnx", "model.onnx"]


@pytest.fixture
def copied_v1(tmp_path):
    target = tmp_path / "ocr-v1"
    shutil.copytree(version_dir("v1"), target)
    return target


def test_tampered_artifact_is_refused(copied_v1):
    artifact = copied_v1 / "model.onnx"
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(ManifestError, match="sha256 mismatch"):
        Recognizer.from_directory(copied_v1)


def test_missing_manifest_and_escaping_artifact_name_are_refused(copied_v1):
    manifest = json.loads((copied_v1 / "manifest.json").read_text())
    (copied_v1 / "manifest.json").write_text(json.dumps({**manifest, "artifact": "../../etc/passwd"}))
    with pytest.raises(ManifestError, match="not a file"):
        load_version(copied_v1)
    (copied_v1 / "manifest.json").unlink()
    with pytest.raises(ManifestError, match="no manifest.json"):
        load_version(copied_v1)


def test_altered_charset_is_refused(copied_v1):
    manifest = json.loads((copied_v1 / "manifest.json").read_text())
    manifest["charset"]["alphabet"] = manifest["charset"]["alphabet"][::-1]
    (copied_v1 / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="charset"):
        load_version(copied_v1)


def test_a_tampered_or_escaping_detector_is_refused(copied_v1):
    detector = copied_v1 / "detector.onnx"
    assert load_version(copied_v1).detector_path == detector
    data = bytearray(detector.read_bytes())
    data[len(data) // 3] ^= 0xFF
    detector.write_bytes(bytes(data))
    with pytest.raises(ManifestError, match="sha256 mismatch"):
        load_version(copied_v1)
    manifest = json.loads((copied_v1 / "manifest.json").read_text())
    manifest["detector"]["artifact"] = "../ocr-v2/detector.onnx"
    (copied_v1 / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="not a file"):
        load_version(copied_v1)


def test_the_detector_and_its_settings_are_recorded_with_their_source():
    for version in VERSIONS:
        entry = load_version(version_dir(version)).manifest["detector"]
        assert entry["source"].startswith("rapidocr-onnxruntime==1.4.4:") and entry["license"] == "Apache-2.0"
        assert load_version(version_dir(version)).detector_settings.limit_side_len == entry["settings"]["limit_side_len"]


def test_a_tampered_or_escaping_language_model_is_refused(copied_v1):
    manifest = json.loads((copied_v1 / "manifest.json").read_text())
    entry = dict(manifest["decoder"]["language_model"])
    model = copied_v1 / entry["artifact"]
    assert load_version(copied_v1).language_model_path == model
    original = model.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ManifestError, match="sha256 mismatch"):
        load_version(copied_v1)
    model.write_bytes(original)
    manifest["decoder"]["language_model"]["artifact"] = "../ocr-v2/" + model.name
    (copied_v1 / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="not a file"):
        load_version(copied_v1)
    manifest["decoder"] = {"language_model": entry, "settings": {"beam": 3}}
    (copied_v1 / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="decoder"):
        load_version(copied_v1)
