"""Write the rollout smoke set: `python -m training.smoke_set` -> deploy/smoke/ (PNG lines + expected.json).

A few clean lines, in training fonts, of the kinds clients send (amounts, dates, IDs, addresses, mixed
text). A canary must read every one of them before a progressive rollout starts (canary.rollout).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from .fonts import TRAIN_FONTS, fonts_for
from .render import CLEAN, render_line

SMOKE_DIR = Path(__file__).resolve().parent.parent / "deploy" / "smoke"
TEXTS = ("Invoice 2026-11-24", "合计金额 1,280.00 元", "北京市海淀区中关村大街", "Hello World",
         "订单号 A2025112400123", "上海 Shanghai 2026", "电话 010-62345678", "Total 99.95 USD")


def main() -> None:
    SMOKE_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261124)
    expected = {}
    for index, text in enumerate(TEXTS):
        font = rng.choice(fonts_for(text, TRAIN_FONTS))
        name = f"line_{index:02d}.png"
        render_line(text, font, rng, CLEAN).save(SMOKE_DIR / name)
        expected[name] = text
    (SMOKE_DIR / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    print(f"wrote {len(expected)} lines to {SMOKE_DIR}")


if __name__ == "__main__":
    main()
