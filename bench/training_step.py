"""Training step: float32 vs bfloat16 (a config's "precision"), 1 and 2 threads, alternating in one run."""
from __future__ import annotations

import random

import torch
from ocr.charset import default_charset
from training.dataset import RECIPES, bucketed_batches, render_shard
from training.train import build_model, make_batch, native_bf16, training_step
from training.train_config import load_config

from .stats import summary, time_calls

LINES, ROUNDS = 320, 3  # photo lines in width-bucketed batches, as training draws them; passes per precision


def section() -> list[str]:
    config = load_config("v2")
    charset = default_charset()
    model = build_model(config, charset.num_classes).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    shard = render_shard(3, LINES, config.preprocess, frozenset(), RECIPES["photo_faces"])
    kept = [i for i, image in enumerate(shard.images) if image.shape[1] <= config.max_train_width]
    batches = [make_batch([shard.images[kept[i]] for i in indices], [charset.encode(shard.texts[kept[i]]) for i in indices])
               for indices in bucketed_batches([shard.images[i].shape[1] for i in kept], config.batch_size, random.Random(0))]

    def one_pass(precision: str) -> None:
        for batch in batches:
            training_step(model, optimizer, batch, precision)

    widths = sorted(batch[0].shape[3] for batch in batches)
    bf16 = "in hardware" if native_bf16("cpu") else "emulated (training falls back to float32 here)"
    lines = [f"## Training step (v2's network, batches of {config.batch_size} photo lines, AdamW)", "",
             f"{len(batches)} width-bucketed batches as training draws them ({widths[0]}-{widths[-1]} px at "
             f"{config.preprocess.height} rows); per step, over {ROUNDS} passes per precision, the precisions alternating "
             "in one run. bf16: torch.autocast (weights, loss and optimizer in float32). This CPU: "
             f"{torch.backends.cpu.get_cpu_capability()}, bfloat16 {bf16}.", "",
             "| threads | float32 median | float32 p95 | bfloat16 median | bfloat16 p95 | speed-up |", "|---|---|---|---|---|---|"]
    for threads in (1, 2):
        torch.set_num_threads(threads)
        timings = {"fp32": [], "bf16": []}
        for _ in range(ROUNDS):
            for precision in timings:
                timings[precision] += [ms / len(batches) for ms in time_calls(lambda: one_pass(precision), 1, warmup=0)]
        exact, half = summary(timings["fp32"]), summary(timings["bf16"])
        lines.append(f"| {threads} | {exact['median_ms']:.0f} ms | {exact['p95_ms']:.0f} ms | {half['median_ms']:.0f} ms "
                     f"| {half['p95_ms']:.0f} ms | {exact['median_ms'] / half['median_ms']:.1f}x |")
    return lines
