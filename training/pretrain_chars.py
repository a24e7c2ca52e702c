"""Pre-train the CRNN's conv features on single rendered characters (the cheap curriculum).

`python -m training.pretrain_chars --minutes 20` writes training/checkpoints/chars.pt.

Cross-entropy on isolated characters gives every class a dense gradient from the first step, where
CTC on whole lines first sits on a long all-blank plateau with a 3,800-class output. A line model
that starts from these features (config "init_features_from": "chars") has to learn the alignment
and the sequence only.
"""
from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ocr.charset import default_charset
from ocr.crnn import CRNN, CRNNConfig
from ocr.preprocess import preprocess

from .fonts import TRAIN_FONTS, fonts_for
from .render import Augmentation, render_line
from .train import WEIGHTS_DIR, lr_factor
from .train_config import load_config

CELL_WIDTH = 32
CHAR_AUGMENTATION = Augmentation(min_size=24, max_size=64)


def render_char_cell(char: str, rng: random.Random) -> np.ndarray:
    """One character as a 32x32 cell: the line preprocessing, then centred in (or cropped to) 32 columns."""
    line = preprocess(render_line(char, rng.choice(fonts_for(char, TRAIN_FONTS)), rng, CHAR_AUGMENTATION))
    cell = np.zeros((32, CELL_WIDTH), np.uint8)
    width = min(line.shape[1], CELL_WIDTH)
    source_start = (line.shape[1] - width) // 2
    target_start = (CELL_WIDTH - width) // 2
    cell[:, target_start:target_start + width] = line[:, source_start:source_start + width]
    return cell


class CharClassifier(nn.Module):
    """The CRNN's conv stack with a pooled linear head."""

    def __init__(self, features: nn.Sequential, channels: int, num_classes: int) -> None:
        super().__init__()
        self.features = features
        self.head = nn.Linear(channels, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images / 255.0).mean(dim=(2, 3)))


def pretrain(minutes: float, batch_size: int = 128, peak_lr: float = 2e-3, seed: int = 5) -> Path:
    rng = random.Random(seed)
    torch.manual_seed(seed)
    charset = default_charset()
    config = load_config("v2")
    model = CRNN(CRNNConfig(num_classes=charset.num_classes, **config.model))
    classifier = CharClassifier(model.features, config.model["conv_channels"][-1], charset.num_classes)
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=peak_lr, weight_decay=0.01)
    alphabet = charset.alphabet.replace(" ", "")
    budget = minutes * 60
    started = time.monotonic()
    step, correct, seen = 0, 0, 0
    # Time-budgeted: the schedule runs on the fraction of the budget spent.
    while (elapsed := time.monotonic() - started) < budget:
        chars = [rng.choice(alphabet) for _ in range(batch_size)]
        images = torch.from_numpy(np.stack([render_char_cell(char, rng) for char in chars])[:, None].astype(np.float32))
        targets = torch.tensor([charset.encode(char)[0] for char in chars])
        for group in optimizer.param_groups:
            group["lr"] = peak_lr * lr_factor(int(elapsed), int(budget), 0.03)
        logits = classifier(images)
        loss = nn.functional.cross_entropy(logits, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        correct += (logits.argmax(1) == targets).sum().item()
        seen += batch_size
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.3f} train_acc {correct / seen:.3f} "
                  f"chars {step * batch_size} elapsed {elapsed:.0f}s", flush=True)
            correct, seen = 0, 0
    WEIGHTS_DIR.mkdir(parents=True, exist_ok=True)
    path = WEIGHTS_DIR / "chars.pt"
    torch.save(model.features.state_dict(), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"wrote {pretrain(args.minutes)}")


if __name__ == "__main__":
    main()
