"""Every bad input gets a clear 4xx JSON error, no worker dies, and a good image still reads right."""
import base64
import io

import pytest
import requests
from PIL import Image

from tests.helpers import encode
from tests.lines import KNOWN_TEXTS, direct_reading, rendered_line
from canary.backends.local import child_pids

PNG = rendered_line(KNOWN_TEXTS[0])
JPEG = rendered_line(KNOWN_TEXTS[0], "JPEG")


def bomb_png() -> bytes:
    return encode(Image.new("1", (20000, 20000), 1), "PNG")  # ~50 kB on the wire, 400 M pixels decoded


def multipart(data: bytes, name="image"):
    return {"files": {name: ("upload.bin", data)}}


BAD_REQUESTS = {
    "missing field": (multipart(PNG, name="picture"), 400, "missing_image"),
    "empty body": ({"data": b"", "headers": {"Content-Type": "image/png"}}, 400, "empty_image"),
    "no body at all": ({}, 400, "missing_image"),
    "not an image": (multipart(b"%PDF-1.4 definitely not an image"), 400, "not_an_image"),
    "truncated PNG": (multipart(PNG[: len(PNG) // 2]), 400, "corrupt_image"),
    "truncated JPEG": (multipart(JPEG[: len(JPEG) // 2]), 400, "corrupt_image"),
    "1x1 image": (multipart(encode(Image.new("L", (1, 1)), "PNG")), 400, "image_too_small"),
    "0-byte file": (multipart(b""), 400, "empty_image"),
    "decompression bomb": (multipart(bomb_png()), 413, "image_too_large"),
    "over the byte limit": ({"data": b"\x89PNG" + b"0" * (21 * 2**20), "headers": {"Content-Type": "image/png"}},
                            413, "payload_too_large"),
    "extreme aspect ratio": (multipart(encode(Image.new("L", (10000, 8), 255), "PNG")), 400, "aspect_ratio"),
    "unsupported content type": ({"data": b"hello", "headers": {"Content-Type": "text/plain"}}, 415,
                                 "unsupported_media_type"),
    "invalid base64": ({"json": {"image": "not*base64!"}}, 400, "invalid_base64"),
    "JSON without image": ({"json": {"picture": "abc"}}, 400, "missing_image"),
    "empty JSON image list": ({"json": {"image": []}}, 400, "missing_image"),
    "deeply nested JSON": ({"data": b"[" * 100000 + b"]" * 100000, "headers": {"Content-Type": "application/json"}},
                           400, "invalid_json"),
    "JSON that is not an object": ({"data": b"[1, 2", "headers": {"Content-Type": "application/json"}}, 400,
                                   "invalid_json"),
}


def test_bad_inputs_get_4xx_json_and_the_service_survives(service_v2):
    master = service_v2.process.pid
    workers_before = child_pids(master)
    assert len(workers_before) == 2
    for name, (arguments, status, code) in BAD_REQUESTS.items():
        response = requests.post(f"{service_v2.url}/ocr", timeout=30, **arguments)
        assert response.status_code == status, (name, response.text)
        body = response.json()
        assert body["success"] is False and body["code"] == code, name
        assert len(body["error"]) > 10, name
        assert response.headers["X-Model-Version"] == "v2"
    assert child_pids(master) == workers_before  # no worker crashed and was replaced
    good = requests.post(f"{service_v2.url}/ocr", files={"image": ("ok.png", PNG)}, timeout=10).json()
    assert good["text"] == direct_reading("v2", PNG)


@pytest.mark.parametrize("kind", ["animated GIF", "CMYK JPEG", "16-bit PNG", "CIELab TIFF"])
def test_unusual_but_valid_images_are_read(service_v2, kind):
    line = Image.open(io.BytesIO(PNG)).convert("L")
    if kind == "animated GIF":
        data = encode(line.convert("P"), "GIF", save_all=True, append_images=[Image.new("P", line.size, 0)])
    elif kind == "CMYK JPEG":
        data = encode(line.convert("CMYK"), "JPEG", quality=95)
    elif kind == "16-bit PNG":
        data = encode(line.point(lambda value: value * 257, mode="I").convert("I;16"), "PNG")
    else:  # lightness = the line's grey, neutral colour
        data = encode(Image.merge("LAB", (line, Image.new("L", line.size, 128), Image.new("L", line.size, 128))), "TIFF")
    assert data and direct_reading("v2", data) == direct_reading("v2", PNG)
    response = requests.post(f"{service_v2.url}/ocr", json={"image": base64.b64encode(data).decode()}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["text"] == direct_reading("v2", data)


def test_an_empty_image_list_on_the_batch_endpoint_is_a_client_error_not_a_success(service_v2):
    response = requests.post(f"{service_v2.url}/ocr/batch", json={"images": []}, timeout=10)
    assert response.status_code == 400 and response.json()["code"] == "missing_image"
    metrics = requests.get(f"{service_v2.url}/metrics", timeout=10).text
    batch_lines = [line for line in metrics.splitlines() if line.startswith('ocr_requests_total{endpoint="ocr_batch"')]
    assert any('status="400"' in line for line in batch_lines)
    assert not any('status="200"' in line for line in batch_lines)


def test_batch_names_the_bad_image(service_v2):
    files = [("image", ("a.png", PNG)), ("image", ("b.png", b"garbage"))]
    response = requests.post(f"{service_v2.url}/ocr/batch", files=files, timeout=10)
    assert response.status_code == 400 and response.json()["error"].startswith("image 2:")
