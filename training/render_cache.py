"""Fill the line caches of a config: `python -m training.render_cache --config training/configs/v2.json`.

Shard i is rendered from seed ``data_seed * 100_000 + i``, so any machine produces the same cache,
and shards already present are kept (the command can be stopped and run again).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ocr.preprocess import PreprocessOptions

from .dataset import RECIPES, SHARD_SIZE, Recipe, render_shard, save_shard
from .evalset import evaluation_texts
from .evalset_ui import reserved_texts
from .train_config import LineSource, load_config

CACHE_ROOT = Path(".cache")


def cache_dir_for(source: LineSource, root: Path = CACHE_ROOT) -> Path:
    """Lines drawn by different recipes or seeds never share a folder (shards are known by index only)."""
    return root / f"lines-{source.recipe}-{source.data_seed}"


def shard_seed(data_seed: int, index: int) -> int:
    return data_seed * 100_000 + index


def fill_cache(cache_dir: Path, shards: int, data_seed: int, options: PreprocessOptions,
               shard_size: int = SHARD_SIZE, quiet: bool = False, recipe: Recipe = RECIPES["base"]) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    excluded = frozenset(text for _, text in evaluation_texts()) | reserved_texts()
    for index in range(shards):
        path = cache_dir / f"shard_{index:05d}.npz"
        if path.exists():
            continue
        started = time.monotonic()
        save_shard(render_shard(shard_seed(data_seed, index), shard_size, options, excluded, recipe), path)
        if not quiet:
            print(f"rendered {path} ({shard_size} lines, {time.monotonic() - started:.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--cache-root", type=Path, default=CACHE_ROOT, help="holds lines-RECIPE-DATASEED folders")
    args = parser.parse_args()
    config = load_config(args.config)
    # Shard by shard across the sources (not source after source): training started beside the renderer
    # (its pool grows each epoch) then trains on the config's mix from the start.
    for shards in range(1, max(source.shards for source in config.sources()) + 1):
        for source in config.sources():
            if source.shards >= shards:
                fill_cache(cache_dir_for(source, args.cache_root), shards, source.data_seed, config.preprocess,
                           recipe=RECIPES[source.recipe])


if __name__ == "__main__":
    main()
