"""The version service: one Flask app per model version folder (`create_app`), served by gunicorn."""
from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import logs, model
from .errors import ApiError
from .faults import FaultInjector
from .kept_images import KeptImages
from .routes import blueprint

DEFAULTS = {
    "VERSION_DIR": None,
    "ORT_THREADS": 1,
    "MAX_CONTENT_LENGTH": 20 * 2**20,  # bytes per request (a phone photo is 3-10 MB): over it, 413
    "MAX_PIXELS": 40_000_000,  # decoded pixels per image: bombs are refused before decoding
    "MAX_BATCH": 16,
    "MAX_BATCH_PIXELS": 40_000_000,  # decoded pixels per request, all images together
    # Load in the worker before it accepts connections: a worker never answers 503 while loading.
    # Background loading (readyz 503 until warm) suits models that take long to load.
    "LOAD_IN_BACKGROUND": False,
    "FAULT_FILE": None,  # test hook only: see faults.py
    "KEEP_IMAGES_DIR": None,  # opt-in: shadowed images for `canary compare` (kept_images.py)
    "KEEP_IMAGES_MAX": 500,
}


def create_app(test_config: dict | None = None) -> Flask:
    """Defaults, then OCR_* environment variables, then ``test_config``. Raises ManifestError on a bad folder."""
    app = Flask(__name__)
    app.json.sort_keys = False  # keep "success" first, as documented
    app.json.ensure_ascii = False  # real UTF-8 text, not \uXXXX escapes
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("OCR")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["VERSION_DIR"]:
        raise RuntimeError("set OCR_VERSION_DIR to a version folder (services/ocr-vN)")
    logs.configure()
    model.init_app(app)
    app.extensions["ocr_faults"] = FaultInjector(app.config["FAULT_FILE"])
    app.extensions["ocr_kept_images"] = KeptImages(app.config["KEEP_IMAGES_DIR"], app.config["KEEP_IMAGES_MAX"])
    app.register_blueprint(blueprint)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return jsonify(error.body()), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = {413: "payload_too_large", 404: "not_found", 405: "method_not_allowed"}.get(error.code, "http_error")
        return jsonify({"success": False, "error": error.description, "code": code}), error.code

    return app
