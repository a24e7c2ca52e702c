"""HTTP endpoints of the version service."""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from ..page import MODES, PageResult
from ..preprocess import ImageInputError, decode_image
from . import metrics
from .errors import ApiError
from .inputs import request_images, request_mode
from .logs import log_inference
from .model import get_reader, holder

blueprint = Blueprint("ocr", __name__)
PAGE = Path(__file__).parent / "static" / "index.html"
_REQUEST_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def service_version() -> str:
    return holder().bundle.version


@blueprint.before_request
def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    # Echo a client's id only when it is short and plain: it ends up in logs and headers.
    g.request_id = incoming if 0 < len(incoming) <= 128 and set(incoming) <= _REQUEST_ID_CHARS else uuid.uuid4().hex
    g.started = time.perf_counter()


@blueprint.after_request
def tag_response(response: Response) -> Response:
    response.headers["X-Model-Version"] = service_version()
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def refuse_wrong_pin() -> None:
    pinned = request.headers.get("X-Model-Version")
    if pinned and pinned != service_version():
        raise ApiError(409, "version_mismatch",
                       f"this service is {service_version()}; the request is pinned to {pinned!r}")


def read_images(payloads: list[bytes]) -> list:
    """Decode every image within the pixel budgets; the first bad one fails the request with its reason."""
    images, total = [], 0
    for position, payload in enumerate(payloads):
        where = f"image {position + 1}: " if len(payloads) > 1 else ""
        try:
            image = decode_image(payload, max_pixels=current_app.config["MAX_PIXELS"])
        except ImageInputError as error:
            status = 413 if error.code == "image_too_large" else 400
            raise ApiError(status, error.code, where + str(error)) from error
        total += image.width * image.height
        if total > current_app.config["MAX_BATCH_PIXELS"]:
            raise ApiError(413, "batch_too_large", f"{where}the images add up to more than "
                           f"{current_app.config['MAX_BATCH_PIXELS']} pixels; send fewer or smaller images")
        images.append(image)
    return images


def read_pages(reader, images: list, mode: str) -> list[PageResult]:
    results = []
    for position, image in enumerate(images):
        try:
            results.append(reader.read(image, mode))
        except ImageInputError as error:
            where = f"image {position + 1}: " if len(images) > 1 else ""
            raise ApiError(400, error.code, where + str(error)) from error
        except ValueError as error:  # page mode asked of a version without a detector
            raise ApiError(400, "mode_unavailable", str(error)) from error
    return results


def result_body(result: PageResult) -> dict:
    """text (rows joined by newlines), confidence, mode, lines with boxes; a line read alone keeps its chars."""
    body = {"text": result.text, "confidence": round(result.confidence, 4), "mode": result.mode,
            "lines": [{"text": line.text, "confidence": round(line.confidence, 4), "box": line.box}
                      for line in result.lines]}
    if result.mode == "line":
        body["chars"] = [[char, round(confidence, 4)] for char, confidence in result.lines[0].chars]
    if result.truncated:
        body["truncated"] = True
    return body


def shadow_fields(results) -> dict:
    """While a shadow version gets a copy of this request (the gateway says so in X-Shadow-Role), both
    answers are logged with their text so `canary compare` can join them by request id."""
    role = request.headers.get("X-Shadow-Role")
    if role not in ("primary", "shadow"):
        return {}
    if role == "shadow":
        current_app.extensions["ocr_kept_images"].keep(g.request_id, g.get("payloads", []))
    return {"shadow_role": role, "texts": [r.text for r in results]}


def recognise(endpoint: str, max_images: int):
    version = service_version()
    metrics.IN_FLIGHT.labels(version).inc()
    status, outcome, sizes, results = 500, "error", [], []
    try:
        refuse_wrong_pin()
        current_app.extensions["ocr_faults"].apply()
        reader = get_reader()
        g.payloads = request_images(request, max_images)
        mode = request_mode(request, MODES)
        images = read_images(g.payloads)
        sizes = [image.size for image in images]
        results = read_pages(reader, images, mode)
        status, outcome = 200, "ok"
        return results
    except ApiError as error:
        status, outcome = error.status, error.code
        raise
    except HTTPException as error:  # e.g. 413 from the body size limit
        status, outcome = error.code, error.name.lower().replace(" ", "_")
        raise
    finally:
        elapsed = time.perf_counter() - g.started
        metrics.IN_FLIGHT.labels(version).dec()
        route = metrics.request_route(request.headers)
        metrics.REQUESTS.labels(version, endpoint, str(status), route).inc()
        if not 400 <= status < 500:  # a client's bad request says nothing about the version's speed
            metrics.LATENCY.labels(version, endpoint, route).observe(elapsed)
        for width, height in sizes:
            metrics.IMAGE_PIXELS.labels(version).observe(width * height)
        for line in (line for result in results for line in result.lines):
            metrics.CONFIDENCE.labels(version, route).observe(line.confidence)
        shadow = shadow_fields(results)
        log_inference(version=version, request_id=g.request_id, endpoint=endpoint, route=route, outcome=outcome,
                      status=status,
                      images=[{"width": w, "height": h} for w, h in sizes], latency_ms=round(elapsed * 1000, 2),
                      mean_confidence=round(sum(r.confidence for r in results) / len(results), 4) if results else None,
                      text_length=sum(len(r.text) for r in results), lines=sum(len(r.lines) for r in results),
                      **shadow)


def envelope(**fields) -> dict:
    return {"success": True, **fields, "used_model": service_version(),
            "latency_ms": round((time.perf_counter() - g.started) * 1000, 2), "request_id": g.request_id}


@blueprint.post("/ocr")
def ocr():
    result = recognise("ocr", max_images=1)[0]
    return jsonify(envelope(**result_body(result)))


@blueprint.post("/ocr/batch")
def ocr_batch():
    results = recognise("ocr_batch", max_images=current_app.config["MAX_BATCH"])
    return jsonify(envelope(results=[result_body(result) for result in results]))


@blueprint.get("/healthz")
def healthz():
    return jsonify({"status": "alive", "version": service_version(), "pid": os.getpid()})


@blueprint.get("/readyz")
def readyz():
    model = holder()
    if not model.ready.is_set():
        return jsonify({"status": "loading" if not model.error else "failed", "error": model.error,
                        "version": service_version()}), 503
    return jsonify({"status": "ready", "version": service_version()})


@blueprint.get("/version")
def version():
    return jsonify(holder().bundle.public_manifest())


@blueprint.get("/metrics")
def metrics_page():
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


@blueprint.get("/")
def page():
    return send_file(PAGE, mimetype="text/html")
