"""Images out of a request: multipart field `image` (repeatable), a raw image/* body, or JSON base64.

Request data only ever becomes bytes in memory: no header or field chooses a file path.
"""
from __future__ import annotations

import base64
import binascii

from flask import Request

from .errors import ApiError


def request_images(request: Request, max_images: int) -> list[bytes]:
    """The raw image bytes a request carries, in order. Raises ApiError (400/415) when there are none."""
    content_type = (request.mimetype or "").lower()
    if content_type == "multipart/form-data":
        files = request.files.getlist("image")
        if not files:
            raise ApiError(400, "missing_image", "multipart request has no 'image' field")
        images = [file.read() for file in files]
    elif content_type.startswith("image/"):
        images = [request.get_data(cache=False)]
    elif content_type == "application/json":
        images = _json_images(request)
    elif not content_type and not request.content_length:
        raise ApiError(400, "missing_image", "the request has no body; send an image")
    else:
        raise ApiError(415, "unsupported_media_type",
                       f"content type {content_type!r} is not accepted; use multipart/form-data (field 'image'), "
                       "image/*, or application/json with base64 'image'")
    if not images:
        raise ApiError(400, "missing_image", "the request holds no image")
    if len(images) > max_images:
        raise ApiError(400, "too_many_images", f"{len(images)} images in one request; the limit is {max_images}")
    return images


def request_mode(request: Request, modes: tuple[str, ...]) -> str:
    """``mode`` from the query string, a form field or the JSON body; "auto" when none is given."""
    mode = request.args.get("mode")
    if mode is None and request.mimetype == "multipart/form-data":
        mode = request.form.get("mode")
    if mode is None and request.mimetype == "application/json":
        payload = _json_body(request)
        mode = payload.get("mode") if isinstance(payload, dict) else None
    mode = mode or "auto"
    if mode not in modes:
        raise ApiError(400, "invalid_mode", f"mode {str(mode)[:40]!r} is not one of {', '.join(modes)}")
    return mode


def _json_body(request: Request):
    """The parsed JSON body, or None when it is not JSON (or nested too deeply to parse: a client's error)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _json_images(request: Request) -> list[bytes]:
    payload = _json_body(request)
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", "the body is not a JSON object")
    values = payload.get("images", payload.get("image"))
    if values is None:
        raise ApiError(400, "missing_image", "JSON body has no 'image' (or 'images') field")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ApiError(400, "invalid_base64", "'image' must be a base64 string (or 'images' a list of them)")
    images = []
    for value in values:
        if "," in value[:100] and value.startswith("data:"):
            value = value.split(",", 1)[1]  # data URLs from browsers
        try:
            images.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError) as error:
            raise ApiError(400, "invalid_base64", f"'image' is not valid base64: {error}") from error
    return images
