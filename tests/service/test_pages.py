"""Whole images through the real service: lines with boxes in reading order, the mode chosen or forced."""
import io
import time

import numpy as np
import requests
from PIL import Image

from tests.helpers import encode
from tests.lines import PAGE_TEXTS, direct_page_reading, direct_reading, rendered_line, rendered_page


def test_a_page_comes_back_as_its_lines_with_boxes_in_reading_order(service_v2):
    page, bands = rendered_page()
    response = requests.post(f"{service_v2.url}/ocr", files={"image": ("page.png", page)}, timeout=30)
    body = response.json()
    assert response.status_code == 200 and body["mode"] == "page"
    assert len(body["lines"]) == len(PAGE_TEXTS)
    for line, (top, bottom) in zip(body["lines"], bands):  # each box sits on the line drawn there, in order
        ys = [y for _, y in line["box"]]
        assert top - 12 <= min(ys) and max(ys) <= bottom + 12
        xs = [x for x, _ in line["box"]]
        assert line["box"][0] == [min(xs), min(ys)] or (line["box"][0][0] <= xs[1] and line["box"][0][1] <= ys[3])
    assert body["text"] == "\n".join(line["text"] for line in body["lines"]) == direct_page_reading("v2", page).text
    assert "chars" not in body and 0 < body["confidence"] <= 1


def test_a_cut_out_line_is_still_read_as_one_line(service_v2):
    line = rendered_line(PAGE_TEXTS[0])
    body = requests.post(f"{service_v2.url}/ocr", files={"image": ("line.png", line)}, timeout=30).json()
    assert body["mode"] == "line" and body["text"] == direct_reading("v2", line) != ""
    assert len(body["lines"]) == 1 and "".join(char for char, _ in body["chars"]) == body["text"]
    width, height = Image.open(io.BytesIO(line)).size
    assert body["lines"][0]["box"] == [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]


def test_the_client_can_force_the_mode(service_v2):
    page, _ = rendered_page()
    as_line = requests.post(f"{service_v2.url}/ocr?mode=line", files={"image": ("p.png", page)}, timeout=30).json()
    assert as_line["mode"] == "line" and len(as_line["lines"]) == 1
    line = rendered_line(PAGE_TEXTS[2])
    as_page = requests.post(f"{service_v2.url}/ocr", files={"image": ("l.png", line)}, data={"mode": "page"},
                            timeout=30).json()
    assert as_page["mode"] == "page" and as_page["text"] == direct_page_reading("v2", line, "page").text
    bad = requests.post(f"{service_v2.url}/ocr?mode=poster", files={"image": ("l.png", line)}, timeout=30)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_mode"


def test_answers_carry_real_utf8_not_escapes(service_v2):
    page, _ = rendered_page()
    response = requests.post(f"{service_v2.url}/ocr", files={"image": ("page.png", page)}, timeout=30)
    hanzi = [char for char in response.json()["text"] if "\u4e00" <= char <= "\u9fff"]
    assert hanzi and hanzi[0].encode("utf-8") in response.content and b"\\u" not in response.content


def test_empty_and_noise_pages_are_answered_quickly(service_v2):
    blank = encode(Image.new("RGB", (2048, 768), (255, 255, 255)), "PNG")
    noise = encode(Image.fromarray(np.random.default_rng(0).integers(0, 256, (768, 2048, 3), dtype=np.uint8)), "PNG")
    for image in (blank, noise):
        started = time.monotonic()
        response = requests.post(f"{service_v2.url}/ocr", data=image, headers={"Content-Type": "image/png"},
                                 timeout=30)
        assert response.status_code == 200 and time.monotonic() - started < 10
        assert response.json()["mode"] == "page"
    assert requests.post(f"{service_v2.url}/ocr", data=blank, headers={"Content-Type": "image/png"},
                         timeout=30).json()["lines"] == []


def test_the_batch_endpoint_reads_pages_within_a_pixel_budget(service_v2):
    page, _ = rendered_page()
    body = requests.post(f"{service_v2.url}/ocr/batch", files=[("image", ("a.png", page)), ("image", ("b.png", page))],
                         timeout=60).json()
    assert [len(result["lines"]) for result in body["results"]] == [len(PAGE_TEXTS)] * 2
    big = encode(Image.new("L", (6000, 6000), 255), "PNG")  # 36 Mpx each: two exceed the 40 Mpx request budget
    response = requests.post(f"{service_v2.url}/ocr/batch", files=[("image", ("a.png", big)), ("image", ("b.png", big))],
                             timeout=60)
    assert response.status_code == 413 and response.json()["code"] == "batch_too_large"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def test_a_huge_image_and_a_page_of_thousands_of_tiny_words_are_answered_in_bounded_time_and_memory(service_v2):
    from canary.backends.local import child_pids
    from PIL import ImageDraw

    huge = encode(Image.new("RGB", (7000, 5600), (250, 250, 250)), "PNG")  # 39.2 Mpx, just under the limit
    from training.fonts import TRAIN_FONTS, load_font

    crowded = Image.new("L", (960, 960), 255)  # detected at full size: 43 rows x 24 words, over 1,000 boxes
    draw = ImageDraw.Draw(crowded)
    face = load_font(TRAIN_FONTS[7], 14)
    for row in range(43):
        for column in range(24):
            draw.text((6 + column * 39, 4 + row * 22), "ab1", font=face, fill=0)
    for image, most_lines in ((huge, 0), (encode(crowded, "PNG"), 400)):
        started = time.monotonic()
        response = requests.post(f"{service_v2.url}/ocr", data=image, headers={"Content-Type": "image/png"},
                                 timeout=60)
        body = response.json()
        assert response.status_code == 200 and time.monotonic() - started < 30
        assert len(body["lines"]) <= most_lines
    assert body.get("truncated") is True and len(body["lines"]) == 400
    workers = child_pids(service_v2.process.pid)
    assert workers and max(rss_mib(pid) for pid in workers) < 1024
