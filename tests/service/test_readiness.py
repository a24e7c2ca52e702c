"""Readiness follows the model: 503 with a reason until the warm-up inference has run."""
import shutil
import threading

import pytest

from ocr.manifest import ManifestError
from ocr.service import create_app, model
from tests.helpers import version_dir


def test_readyz_is_503_until_the_background_load_finishes(monkeypatch):
    release = threading.Event()
    original_load = model.ModelHolder.load

    def held_load(self, threads):
        release.wait(timeout=30)
        original_load(self, threads)

    monkeypatch.setattr(model.ModelHolder, "load", held_load)
    app = create_app({"VERSION_DIR": str(version_dir("v1")), "LOAD_IN_BACKGROUND": True})
    client = app.test_client()
    loading = client.get("/readyz")
    assert loading.status_code == 503 and loading.json["status"] == "loading"
    refused = client.post("/ocr", data=b"x", headers={"Content-Type": "image/png"})
    assert refused.status_code == 503 and refused.json["code"] == "not_ready"
    assert client.get("/healthz").status_code == 200  # alive while loading
    release.set()
    app.extensions["ocr_model"].ready.wait(timeout=30)
    assert client.get("/readyz").json == {"status": "ready", "version": "v1"}


def test_a_tampered_version_folder_stops_the_service_at_start(tmp_path):
    target = tmp_path / "ocr-v1"
    shutil.copytree(version_dir("v1"), target)
    (target / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(ManifestError, match="sha256 mismatch"):
        create_app({"VERSION_DIR": str(target)})
