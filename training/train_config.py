"""The training configuration of one version, read from training/configs/<version>.json."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ocr.preprocess import PreprocessOptions

CONFIG_DIR = Path(__file__).parent / "configs"
PRECISIONS = ("fp32", "bf16")
SCHEDULES = ("cosine", "constant")


@dataclass(frozen=True)
class LineSource:
    """Cached lines of one recipe and data seed: ``shards`` shards of .cache/lines-RECIPE-DATASEED."""

    recipe: str
    data_seed: int
    shards: int


@dataclass(frozen=True)
class TrainConfig:
    version: str
    description: str
    seed: int
    data_seed: int
    shards: int
    model: dict
    preprocess: PreprocessOptions
    batch_size: int
    max_steps: int
    peak_lr: float
    warmup_fraction: float
    weight_decay: float
    max_train_width: int
    checkpoint_every: int
    init_from: str | None
    init_features_from: str | None = None  # conv weights only, e.g. "chars" from pretrain_chars
    frozen_feature_steps: int = 0  # keep the (pre-trained) conv features fixed for this many steps
    export: bool = True  # False for a training stage: its weights only warm-start a later config
    recipe: str = "base"  # how its lines are drawn: a key of dataset.RECIPES
    # Further sources trained on together with (recipe, data_seed, shards), e.g. an earlier stage's recipe so
    # that what it taught is kept: [{"recipe": "codes", "data_seed": 6100, "shards": 12}].
    also: tuple[dict, ...] = ()
    # "bf16": the forward and backward passes in bfloat16 (torch.autocast; weights, optimizer, CTC loss and
    # validation stay float32). `make bench`: 1.7x faster steps than "fp32" on a CPU with AMX, alone; on a core
    # shared with another process, 5x (0.4 vs 2.2 s a step). Where bfloat16 would be emulated (no AMX nor
    # AVX512-BF16) training falls back to "fp32" (train.precision_on).
    precision: str = "fp32"
    # A teacher's per-symbol beliefs beside the labels (teacher.DistillOptions' fields), e.g. {"teacher": "ppocrv6-small"}.
    distill: dict | None = None
    schedule: str = "cosine"  # after warm-up: "cosine" decays to 0, "constant" holds the peak (train.lr_factor)
    snapshot_every: int = 0  # also keep the weights every N steps (run_dir/snapshot-STEP.pt) to average (soup.py)

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise TypeError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.schedule not in SCHEDULES:
            raise TypeError(f"schedule must be one of {SCHEDULES}, not {self.schedule!r}")

    def sources(self) -> list[LineSource]:
        return [LineSource(self.recipe, self.data_seed, self.shards), *(LineSource(**extra) for extra in self.also)]

    def to_dict(self) -> dict:
        return asdict(self)


def load_config(path_or_version: str) -> TrainConfig:
    """A config file path, or a version name looked up in training/configs/. Raises ValueError on bad keys."""
    path = Path(path_or_version)
    if not path.suffix:
        path = CONFIG_DIR / f"{path_or_version}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return TrainConfig(**{**data, "preprocess": PreprocessOptions(**data["preprocess"])})
    except TypeError as error:
        raise ValueError(f"{path}: {error}") from error
