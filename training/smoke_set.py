"""Write the rollout smoke set: `python -m training.smoke_set` -> deploy/smoke/ (PNG lines and pages +
expected.json).

A few clean lines, in training fonts, of the kinds clients send (amounts, dates, IDs, addresses, mixed
text), and two clean pages (a light document, a dark screen) whose expected text is their rows joined by
newlines. A canary must read every one of them before a progressive rollout starts (canary.rollout).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from PIL import Image, ImageDraw

from .fonts import TRAIN_FONTS, fonts_for, load_font
from .render import CLEAN, render_line

SMOKE_DIR = Path(__file__).resolve().parent.parent / "deploy" / "smoke"
TEXTS = ("Invoice 2026-11-24", "合计金额 1,280.00 元", "北京市海淀区中关村大街", "Hello World",
         "订单号 A2025112400123", "上海 Shanghai 2026", "电话 010-62345678", "Total 99.95 USD")
PAGES = ((("Invoice 2026-11-25", "合计金额 1,280.00 元", "Hello World", "电话 010-62345678"), "light"),
         (("Settings", "上海 Shanghai 2026", "Total 99.95 USD"), "dark"))


def render_page(rows: tuple[str, ...], theme: str, rng: random.Random, size: int = 36) -> Image.Image:
    paper, ink = ((255, 255, 255), (25, 25, 25)) if theme == "light" else ((32, 33, 36), (230, 230, 230))
    image = Image.new("RGB", (1000, 160 + int(size * 2.2) * len(rows)), paper)
    draw = ImageDraw.Draw(image)
    for index, text in enumerate(rows):
        face = load_font(rng.choice(fonts_for(text, TRAIN_FONTS[:4])), size)  # the Noto CJK faces
        left, top, _, _ = face.getbbox(text)
        draw.text((90 - left, 80 + index * int(size * 2.2) - top), text, font=face, fill=ink)
    return image


def main() -> None:
    SMOKE_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261124)
    expected = {}
    for index, text in enumerate(TEXTS):
        font = rng.choice(fonts_for(text, TRAIN_FONTS))
        name = f"line_{index:02d}.png"
        render_line(text, font, rng, CLEAN).save(SMOKE_DIR / name)
        expected[name] = text
    for index, (rows, theme) in enumerate(PAGES):
        name = f"page_{index:02d}.png"
        render_page(rows, theme, rng).save(SMOKE_DIR / name)
        expected[name] = "\n".join(rows)
    (SMOKE_DIR / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    print(f"wrote {len(expected)} lines and pages to {SMOKE_DIR}")


if __name__ == "__main__":
    main()
