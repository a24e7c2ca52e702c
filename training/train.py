"""Train one version: `python -m training.train --config v2` (resumable; ends by exporting the version).

AdamW with linear warm-up then cosine decay on width-bucketed batches from the line cache: measured
here, that escapes the all-blank CTC plateau where a flat 1e-3 schedule stays stuck.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ocr.charset import default_charset, normalize_text
from ocr.crnn import CRNN, CRNNConfig, frame_count, parameter_count
from ocr.ctc import collapse_path
from ocr.preprocess import pad_batch

from .dataset import RECIPES, Shard, bucketed_batches, load_shard, render_shard, save_shard, shard_paths
from .export import write_version_folder
from .grow import warm_start
from .render_cache import CACHE_ROOT, cache_dir_for, fill_cache, shard_seed
from .teacher import DistillOptions, Teacher, distillation_loss
from .train_config import TrainConfig, load_config

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_DIR = ROOT / "training" / "checkpoints"
VALIDATION_LINES = 300


def build_model(config: TrainConfig, num_classes: int) -> CRNN:
    return CRNN(CRNNConfig.from_dict({"num_classes": num_classes, "input_height": config.preprocess.height,
                                      **config.model}))


def lr_factor(step: int, max_steps: int, warmup_fraction: float, schedule: str = "cosine") -> float:
    """Linear warm-up, then cosine decay to 0, or the peak held ("constant": snapshots to average, soup.py)."""
    warmup = max(1, int(max_steps * warmup_fraction))
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    progress = (step - warmup) / max(1, max_steps - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class LinePool:
    """All cached lines of the config's sources usable for training; grows as the renderer adds shards."""

    def __init__(self, cache_root: Path, config: TrainConfig, charset) -> None:
        self.config, self.charset = config, charset
        self.folders = [(cache_dir_for(source, config.preprocess, cache_root), source.shards) for source in config.sources()]
        self.loaded: set[Path] = set()
        self.images: list[np.ndarray] = []
        self.labels: list[list[int]] = []

    def refresh(self) -> int:
        for folder, shards in self.folders:
            for path in shard_paths(folder)[:shards]:
                if path not in self.loaded:
                    self._add(load_shard(path, self.config.preprocess.height))
                    self.loaded.add(path)
        return len(self.images)

    def _add(self, shard: Shard) -> None:
        for image, text in zip(shard.images, shard.texts):
            label = self.charset.encode(text)
            # CTC needs at least one frame per label (more for repeats); drop lines that cannot fit.
            if image.shape[1] <= self.config.max_train_width and frame_count(image.shape[1]) >= 2 * len(label):
                self.images.append(image)
                self.labels.append(label)


def log_probs_of(model: CRNN, images: torch.Tensor, precision: str) -> torch.Tensor:
    """(frames, batch, classes) log-probabilities for the CTC loss. Under "bf16" the network runs in bfloat16
    (its weights stay float32) and the softmax in float32, where the loss needs the precision."""
    with torch.autocast(images.device.type, torch.bfloat16, enabled=precision == "bf16"):
        logits = model(images)
    return logits.float().log_softmax(-1).permute(1, 0, 2)


def native_bf16(device: str) -> bool:
    """Whether this device computes in bfloat16 itself. A CPU without AVX512-BF16 or AMX has torch emulate it:
    14x slower a step than float32 on an AMD EPYC with AVX2 (1.7x faster on a CPU with AMX, `make bench`).
    torch.cpu's probes are private but are what torch itself dispatches on; torch is pinned."""
    return device != "cpu" or torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def precision_on(requested: str, device: str) -> str:
    """The precision to train in: a config's "bf16" falls back to "fp32" where bfloat16 would be emulated."""
    return "fp32" if requested == "bf16" and not native_bf16(device) else requested


CTC_LOSS = nn.CTCLoss(blank=0, zero_infinity=True)


def training_step(model: CRNN, optimizer: torch.optim.Optimizer, batch, precision: str, device: str = "cpu",
                  distill=None) -> torch.Tensor:
    """One optimizer step on a make_batch batch; returns the (detached) loss. ``distill``: (options, each line's
    teacher.SymbolTargets or None) adds the teacher's KL term to the CTC loss."""
    images, targets, input_lengths, target_lengths = batch
    log_probs = log_probs_of(model, images.to(device), precision)
    loss = CTC_LOSS(log_probs, targets.to(device), input_lengths, target_lengths)
    if distill is not None:
        options, symbol_targets = distill
        loss = loss + options.weight * distillation_loss(log_probs.cpu(), input_lengths, symbol_targets,
                                                           options.temperature)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    return loss.detach()


def set_features_frozen(model: CRNN, frozen: bool) -> None:
    """Frozen: no gradients and fixed BatchNorm statistics for the conv stack (cheaper steps, too)."""
    for parameter in model.features.parameters():
        parameter.requires_grad_(not frozen)
    model.features.train(not frozen and model.training)


def make_batch(images, labels):
    batch, widths = pad_batch(images)
    targets = torch.tensor([cls for label in labels for cls in label], dtype=torch.long)
    target_lengths = torch.tensor([len(label) for label in labels], dtype=torch.long)
    input_lengths = torch.tensor([frame_count(width) for width in widths], dtype=torch.long)
    return torch.from_numpy(batch), targets, input_lengths, target_lengths


def validation_accuracy(model: CRNN, shard: Shard, charset, device: str = "cpu") -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(shard.texts), 32):
            images = shard.images[start:start + 32]
            batch, widths = pad_batch(images)
            paths = model(torch.from_numpy(batch).to(device)).argmax(-1).cpu().numpy()
            for path, width, text in zip(paths, widths, shard.texts[start:start + 32]):
                ids = [cls for cls, _, _ in collapse_path(path[: frame_count(width)])]
                correct += charset.decode_ids(ids) == normalize_text(text)
    model.train()
    return correct / len(shard.texts)


def save_checkpoint(path: Path, model, optimizer, step: int, elapsed: float, lines_seen: int, threads: int) -> None:
    temporary = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "elapsed_s": elapsed, "lines_seen": lines_seen, "threads": threads}, temporary)
    os.replace(temporary, path)


def validation_lines(config: TrainConfig, cache_root: Path) -> Shard:
    """VALIDATION_LINES held-out lines of each source (rendered once, from a seed no shard uses)."""
    images, texts = [], []
    for source in config.sources():
        path = cache_dir_for(source, config.preprocess, cache_root) / "validation.npz"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            save_shard(render_shard(shard_seed(source.data_seed, 99_999), VALIDATION_LINES, config.preprocess,
                                    frozenset(), RECIPES[source.recipe]), path)
        shard = load_shard(path, config.preprocess.height)
        images += shard.images
        texts += shard.texts
    return Shard(images, texts)


def train(config: TrainConfig, run_dir: Path, cache_root: Path, version_dir: Path,
          weights_dir: Path = WEIGHTS_DIR, max_steps: int | None = None, quiet: bool = False,
          device: str = "cpu") -> Path:
    """Train (or resume from run_dir) and export the version folder. Returns the ONNX artifact path,
    or for a stage config (export false) the weights path. ``device``: "cpu", or "cuda" where a GPU is lent
    (the same steps; a checkpoint resumes on either, and the final weights are saved from the CPU).

    The final weights are also kept in weights_dir/<version>.pt: later configs warm-start from them.
    """
    max_steps = max_steps or config.max_steps
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    charset = default_charset()
    model = build_model(config, charset.num_classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.peak_lr, weight_decay=config.weight_decay)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_path = run_dir / "checkpoint.pt"
    step, elapsed, lines_seen = 0, 0.0, 0
    # The threads that trained the last steps: exporting a finished run in another process must not claim its own.
    threads = torch.get_num_threads()
    if checkpoint_path.exists():
        state = torch.load(checkpoint_path, weights_only=True, map_location="cpu")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed, lines_seen = state["step"], state["elapsed_s"], state["lines_seen"]
        threads = state.get("threads", threads) if step >= max_steps else threads
        print(f"resuming {config.version} at step {step}", flush=True)
    else:
        if config.init_from:
            how = warm_start(model, torch.load(weights_dir / f"{config.init_from}.pt", weights_only=True))
            print(f"{how}: {config.init_from}", flush=True)
        if config.init_features_from:
            model.features.load_state_dict(
                torch.load(weights_dir / f"{config.init_features_from}.pt", weights_only=True))
            print(f"conv features from {config.init_features_from}", flush=True)
    precision = precision_on(config.precision, device)
    fallback = f", {config.precision} would be emulated here" if precision != config.precision else ""
    print(f"{config.version}: {parameter_count(model):,} parameters, {max_steps} steps on {device} "
          f"({precision}{fallback})", flush=True)
    model.to(device)
    for values in optimizer.state.values():  # a resumed optimizer's moments follow the model
        for key, value in values.items():
            if torch.is_tensor(value) and key != "step":
                values[key] = value.to(device)

    validation = validation_lines(config, cache_root)
    pool = LinePool(cache_root, config, charset)
    if pool.refresh() == 0:
        first = config.sources()[0]
        fill_cache(cache_dir_for(first, config.preprocess, cache_root), 1, first.data_seed, config.preprocess, quiet=quiet,
                   recipe=first.recipe)
        if pool.refresh() == 0:
            raise RuntimeError(f"no trainable lines under {cache_root}")

    teacher = Teacher(DistillOptions(**config.distill), charset, torch.get_num_threads()) if config.distill else None
    distilled, offered = 0, 0  # lines the teacher read right, of those it saw, since the last report
    model.train()
    progress = tqdm(total=max_steps, initial=step, disable=quiet, mininterval=10, desc=config.version)
    started = time.monotonic() - elapsed
    while step < max_steps:
        widths = [image.shape[1] for image in pool.images]
        for indices in bucketed_batches(widths, config.batch_size, rng):
            if step >= max_steps:
                break
            set_features_frozen(model, step < config.frozen_feature_steps)
            for group in optimizer.param_groups:
                group["lr"] = config.peak_lr * lr_factor(step, max_steps, config.warmup_fraction, config.schedule)
            batch = make_batch([pool.images[i] for i in indices], [pool.labels[i] for i in indices])
            distill = None
            if teacher:
                symbol_targets = [teacher.targets(pool.images[i], pool.labels[i]) for i in indices]
                distilled += sum(target is not None for target in symbol_targets)
                offered += len(symbol_targets)
                distill = (teacher.options, symbol_targets)
            loss = training_step(model, optimizer, batch, precision, device, distill)
            step += 1
            lines_seen += len(indices)
            progress.update(1)
            progress.set_postfix(loss=f"{loss.item():.3f}", lines=lines_seen, pool=len(pool.images), refresh=False)
            if config.snapshot_every and step % config.snapshot_every == 0:
                torch.save(model.state_dict(), run_dir / f"snapshot-{step}.pt")
            if step % config.checkpoint_every == 0 or step == max_steps:
                elapsed = time.monotonic() - started
                save_checkpoint(checkpoint_path, model, optimizer, step, elapsed, lines_seen, threads)
                accuracy = validation_accuracy(model, validation, charset, device)
                taught = f" teacher_agreed {distilled / max(1, offered):.3f}" if teacher else ""
                print(f"step {step} loss {loss.item():.3f} val_line_acc {accuracy:.3f}{taught} "
                      f"lines {lines_seen} elapsed {elapsed:.0f}s", flush=True)
                distilled, offered = 0, 0
        pool.refresh()
    progress.close()

    model.cpu()
    weights_dir.mkdir(parents=True, exist_ok=True)
    weights_path = weights_dir / f"{config.version}.pt"
    torch.save(model.state_dict(), weights_path)
    if not config.export:
        return weights_path
    stats = {"steps": step, "lines_seen": lines_seen, "duration_s": round(elapsed, 1),
             "parameters": parameter_count(model), "threads": threads}
    return write_version_folder(model.eval(), config, charset, version_dir, stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="version name (training/configs/NAME.json) or path")
    parser.add_argument("--cache-root", type=Path, default=CACHE_ROOT, help="holds lines-RECIPE-DATASEED folders")
    parser.add_argument("--runs", type=Path, default=Path("runs"))
    parser.add_argument("--out", type=Path, help="version folder (default services/ocr-<version>)")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_DIR, help="where the final weights go")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("TRAIN_THREADS", "1")))
    parser.add_argument("--device", default=os.environ.get("TRAIN_DEVICE", "cpu"), help="cpu, or cuda where lent")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = load_config(args.config)
    out = args.out or ROOT / "services" / f"ocr-{config.version}"
    artifact = train(config, args.runs / config.version, args.cache_root, out,
                     weights_dir=args.weights, device=args.device)
    print(f"exported {artifact}", flush=True)


if __name__ == "__main__":
    main()
