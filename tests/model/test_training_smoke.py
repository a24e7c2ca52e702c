"""A few real training steps end in a loadable, verified version folder, and training resumes."""
import dataclasses
import shutil

import pytest
import torch
from PIL import Image

from ocr.runtime import Recognizer
from tests.helpers import ROOT
from training.dataset import shard_paths
from training.render_cache import cache_dir_for, fill_cache
from training.train import train
from training.train_config import load_config

pytestmark = pytest.mark.slow


def test_smoke_training_writes_a_loadable_artifact_and_resumes(tmp_path, capsys):
    # v1's settings, started from the character-pretrained features rather than its warm-start chain.
    config = dataclasses.replace(load_config("v1"), version="smoke", batch_size=8, checkpoint_every=2, shards=1,
                                 init_from=None, init_features_from="chars")
    cache = tmp_path / "cache"
    fill_cache(cache_dir_for(config.sources()[0], config.preprocess, cache), 1, config.data_seed, config.preprocess, shard_size=48,
               quiet=True)
    assert len(shard_paths(cache_dir_for(config.sources()[0], config.preprocess, cache))) == 1

    weights = tmp_path / "weights"
    weights.mkdir()
    shutil.copy(ROOT / "training" / "checkpoints" / "chars.pt", weights)  # the recipe starts from these features
    arguments = dict(run_dir=tmp_path / "run", cache_root=cache, version_dir=tmp_path / "ocr-smoke",
                     weights_dir=weights, quiet=True)
    threads = torch.get_num_threads()
    train(config, max_steps=2, **arguments)
    artifact = train(config, max_steps=4, **arguments)
    assert "resuming smoke at step 2" in capsys.readouterr().out
    torch.set_num_threads(threads + 1)  # exporting the finished run again, in a process with other threads
    try:
        artifact = train(config, max_steps=4, **arguments)
    finally:
        torch.set_num_threads(threads)
    assert (tmp_path / "weights" / "smoke.pt").is_file()

    recognizer = Recognizer.from_directory(artifact.parent)
    assert recognizer.version == "smoke"
    assert recognizer.bundle.manifest["training"]["steps"] == 4
    assert recognizer.bundle.manifest["training"]["threads"] == threads  # those that trained it
    result = recognizer.recognize([Image.new("L", (120, 40), 255)])[0]
    assert isinstance(result.text, str) and 0.0 <= result.confidence <= 1.0
