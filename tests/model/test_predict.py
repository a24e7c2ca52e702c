"""`make predict`: one line per image, sorted by name, non-images reported on stderr."""
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.lines import PAGE_TEXTS, direct_page_reading, direct_reading, rendered_page
from training.fonts import TRAIN_FONTS, fonts_for
from training.render import CLEAN, render_line

KNOWN_LINES = {"a_date.png": "2026-11-24", "b_words.png": "Hello World", "c_chinese.png": "中文识别",
               "d_amount.png": "1,000.50"}


@pytest.fixture
def image_folder(tmp_path):
    rng = random.Random(3)
    for name, text in KNOWN_LINES.items():
        font = fonts_for(text, TRAIN_FONTS)[0]
        render_line(text, font, rng, CLEAN).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "subfolder").mkdir()
    render_line("ignored", TRAIN_FONTS[0], rng, CLEAN).save(tmp_path / "subfolder" / "z.png")
    return tmp_path


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_predict_prints_file_text_confidence_per_image(image_folder, version):
    completed = subprocess.run(
        [sys.executable, "-m", "ocr.predict", "--model", str(ROOT / "services" / f"ocr-{version}"), str(image_folder)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    rows = [line.split("\t") for line in completed.stdout.splitlines()]
    assert [row[0].rsplit("/", 1)[-1] for row in rows] == sorted(KNOWN_LINES)
    assert all(len(row) == 3 and 0.0 <= float(row[2]) <= 1.0 for row in rows)
    for name, text, _ in rows:  # the CLI prints exactly what the recognizer reads from the file
        assert text == direct_reading(version, Path(name).read_bytes())
    assert "notes.txt" in completed.stderr and "z.png" not in completed.stdout


def test_predict_jsonl_gives_a_page_its_lines_and_boxes(tmp_path):
    page, _ = rendered_page()
    (tmp_path / "page.png").write_bytes(page)
    completed = subprocess.run(
        [sys.executable, "-m", "ocr.predict", "--model", str(ROOT / "services" / "ocr-v2"), "--format", "jsonl",
         str(tmp_path)], capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(completed.stdout)
    expected = direct_page_reading("v2", page)
    assert answer["file"].endswith("page.png") and answer["mode"] == "page" and answer["text"] == expected.text
    assert len(answer["lines"]) == len(PAGE_TEXTS) and all(len(line["box"]) == 4 for line in answer["lines"])
    assert "中" in completed.stdout  # real UTF-8 on stdout, not escapes


def test_predict_refuses_a_missing_model(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "ocr.predict", "--model", str(tmp_path), str(tmp_path)],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and "no manifest.json" in completed.stderr
