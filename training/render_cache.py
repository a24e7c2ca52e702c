"""Fill the line cache: `python -m training.render_cache --config training/configs/v2.json`.

Shard i is rendered from seed ``data_seed * 100_000 + i``, so any machine produces the same cache,
and shards already present are kept (the command can be stopped and run again).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ocr.preprocess import PreprocessOptions

from .dataset import SHARD_SIZE, render_shard, save_shard
from .evalset import evaluation_texts
from .train_config import load_config

DEFAULT_CACHE = Path(".cache/lines")


def shard_seed(data_seed: int, index: int) -> int:
    return data_seed * 100_000 + index


def fill_cache(cache_dir: Path, shards: int, data_seed: int, options: PreprocessOptions,
               shard_size: int = SHARD_SIZE, quiet: bool = False) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    excluded = frozenset(text for _, text in evaluation_texts())
    for index in range(shards):
        path = cache_dir / f"shard_{index:05d}.npz"
        if path.exists():
            continue
        started = time.monotonic()
        save_shard(render_shard(shard_seed(data_seed, index), shard_size, options, excluded), path)
        if not quiet:
            print(f"rendered {path} ({shard_size} lines, {time.monotonic() - started:.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    config = load_config(args.config)
    fill_cache(args.cache, config.shards, config.data_seed, config.preprocess)


if __name__ == "__main__":
    main()
