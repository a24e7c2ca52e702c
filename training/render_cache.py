"""Fill the line caches of a config: `python -m training.render_cache --config training/configs/v2.json
[--workers N]`.

Shard i is rendered from seed ``data_seed * 100_000 + i``, so any machine produces the same cache, in one
process or in N (each shard is rendered whole by one of them), and shards already present are kept (the
command can be stopped and run again).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

from ocr.preprocess import PreprocessOptions

from .dataset import RECIPES, SHARD_SIZE, render_shard, save_shard
from .evalset_ui import every_evaluation_text
from .train_config import LineSource, load_config

CACHE_ROOT = Path(".cache")


def cache_dir_for(source: LineSource, options: PreprocessOptions, root: Path = CACHE_ROOT) -> Path:
    """Lines drawn by different recipes, seeds or preprocessing never share a folder (shards are known by index
    only, and stored preprocessed: a 48-row shard read as 32 rows is garbage). Default options add nothing."""
    default = PreprocessOptions()
    changed = "".join(f"-{field.name}={getattr(options, field.name)}" for field in fields(options)
                      if getattr(options, field.name) != getattr(default, field.name))
    return root / f"lines-{source.recipe}-{source.data_seed}{changed}"


def shard_seed(data_seed: int, index: int) -> int:
    return data_seed * 100_000 + index


@dataclass(frozen=True)
class ShardJob:
    path: Path
    seed: int
    options: PreprocessOptions
    recipe_name: str
    size: int = SHARD_SIZE


def render_job(job: ShardJob) -> str:
    """Render and save one shard (in whichever process runs it); returns what it did, for the log."""
    started = time.monotonic()
    save_shard(render_shard(job.seed, job.size, job.options, every_evaluation_text(), RECIPES[job.recipe_name]),
               job.path)
    return f"rendered {job.path} ({job.size} lines, {time.monotonic() - started:.1f} s)"


def missing_jobs(config, cache_root: Path = CACHE_ROOT, shard_size: int = SHARD_SIZE) -> list[ShardJob]:
    """The shards of a config's sources not yet in the cache, shard by shard across the sources (not source
    after source): training started beside the renderer (its pool grows each epoch) then trains on the
    config's mix from the start."""
    jobs = []
    for index in range(max(source.shards for source in config.sources())):
        for source in config.sources():
            path = cache_dir_for(source, config.preprocess, cache_root) / f"shard_{index:05d}.npz"
            if index < source.shards and not path.exists():
                jobs.append(ShardJob(path, shard_seed(source.data_seed, index), config.preprocess, source.recipe,
                                     shard_size))
    return jobs


def render_jobs(jobs: list[ShardJob], workers: int = 1, quiet: bool = False) -> None:
    for job in jobs:
        job.path.parent.mkdir(parents=True, exist_ok=True)
    if workers > 1:  # spawned, not forked: a fork of a process holding threads (torch's, ONNX Runtime's) can hang
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = pool.map(render_job, jobs)
            for line in done:
                quiet or print(line, flush=True)
        return
    for job in jobs:
        line = render_job(job)
        quiet or print(line, flush=True)


def fill_cache(cache_dir: Path, shards: int, data_seed: int, options: PreprocessOptions,
               shard_size: int = SHARD_SIZE, quiet: bool = False, recipe: str = "base") -> None:
    """The first ``shards`` shards of one source, in this process."""
    render_jobs([ShardJob(cache_dir / f"shard_{index:05d}.npz", shard_seed(data_seed, index), options, recipe,
                          shard_size)
                 for index in range(shards) if not (cache_dir / f"shard_{index:05d}.npz").exists()], quiet=quiet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--cache-root", type=Path, default=CACHE_ROOT, help="holds lines-RECIPE-DATASEED folders")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("RENDER_WORKERS", "1")),
                        help="processes rendering shards side by side (a machine with cores to spare)")
    args = parser.parse_args()
    render_jobs(missing_jobs(load_config(args.config), args.cache_root), args.workers)


if __name__ == "__main__":
    main()
