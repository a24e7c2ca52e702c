"""Whole pages: this project's pipeline (each version) and RapidOCR's PP-OCRv4 and PP-OCRv6 pipelines on the
same pages in the same run, at 1 and 2 threads, with their accuracy on the page evaluation set beside the
timings. The peers run in .venv-bench (bench/peer_pages.py); every answer is put into rows by the same
reading order and scored by the same function (training.evaluate_pages)."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from ocr.detection import TextBox
from ocr.page import PageReader, reading_order
from training.evalpages import build_page_set
from training.evaluate_pages import score_page, summarize

from .stats import summary

ROOT = Path(__file__).resolve().parent.parent
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
PEERS = ("ppocrv4-mobile", "ppocrv6-small")
VERSIONS = ("v1", "v2")


def rows_text(boxes: list, texts: list[str]) -> str:
    text_boxes = [TextBox(np.asarray(box, dtype=np.float32), 1.0) for box in boxes]
    return "\n".join(" ".join(texts[i] for i in row if texts[i]) for row in reading_order(text_boxes))


def our_answers(version: str, threads: int, pages) -> list[tuple[str, float]]:
    reader = PageReader.from_directory(ROOT / "services" / f"ocr-{version}", threads=threads)
    reader.read(pages[0].image, "page")  # warm-up
    answers = []
    for page in pages:
        started = time.perf_counter()
        result = reader.read(page.image, "page")
        answers.append((result.text, (time.perf_counter() - started) * 1000))
    return answers


def peer_answers(engine: str, threads: int, folder: Path) -> list[tuple[str, float]]:
    environment = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    completed = subprocess.run([str(BENCH_PYTHON), str(ROOT / "bench" / "peer_pages.py"), engine, str(threads),
                                str(folder)], capture_output=True, text=True, check=True, env=environment)
    results = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    return [(rows_text(result["boxes"], result["texts"]), result["ms"]) for result in results]


def section() -> list[str]:
    pages = build_page_set()
    rows = ["## Whole pages (detection + recognition)", "",
            f"The page evaluation set ({len(pages)} pages: documents, receipts, light and dark screenshots, signs, "
            "phone photos; half in faces no model trained on), every engine on the same decoded images in one run. "
            "chars = 1 - page CER; lines = exact rows found. The peers are RapidOCR's pipelines from the pinned "
            "wheels (`rapidocr-onnxruntime==1.4.4`: PP-OCRv4 mobile det + cls + rec; `rapidocr==3.10.0`: "
            "PP-OCRv6 small det + cls + rec), run in `.venv-bench`.", "",
            "| engine | chars | lines | blind-face chars | 1 thread median | p95 | 2 threads median | p95 |",
            "|---|---|---|---|---|---|---|---|"]
    if not BENCH_PYTHON.exists():
        rows.insert(2, "(.venv-bench is missing: `make bench` creates it; peers left out.)")
    with tempfile.TemporaryDirectory() as folder:
        for index, page in enumerate(pages):
            page.image.save(Path(folder) / f"{index:03d}.png")
        engines = [(f"this project, {version}", lambda threads, v=version: our_answers(v, threads, pages))
                   for version in VERSIONS]
        if BENCH_PYTHON.exists():
            engines += [(engine, lambda threads, e=engine: peer_answers(e, threads, Path(folder))) for engine in PEERS]
        for name, run in engines:
            by_threads = {threads: run(threads) for threads in (1, 2)}
            entries = [{**score_page(page.rows, text), "ms": ms} for page, (text, ms) in zip(pages, by_threads[1])]
            overall = summarize(entries)
            blind = summarize([entry for entry, page in zip(entries, pages) if page.blind_fonts])
            one, two = (summary([ms for _, ms in by_threads[threads]]) for threads in (1, 2))
            rows.append(f"| {name} | {overall['char_accuracy']:.1%} | {overall['line_recall']:.1%} | "
                        f"{blind['char_accuracy']:.1%} | {one['median_ms']:.0f} ms | {one['p95_ms']:.0f} ms | "
                        f"{two['median_ms']:.0f} ms | {two['p95_ms']:.0f} ms |")
    return rows
