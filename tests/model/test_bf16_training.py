"""Training in bfloat16 (a config's "precision": "bf16") computes what float32 does, closely enough to learn from."""
import json

import pytest
import torch

from ocr.charset import default_charset
from tests.helpers import ROOT
from training.dataset import render_shard
from training.train import CTC_LOSS, build_model, log_probs_of, make_batch, precision_on
from training.train_config import load_config

pytestmark = pytest.mark.slow


def gradients(model, batch, precision: str) -> torch.Tensor:
    images, targets, input_lengths, target_lengths = batch
    model.zero_grad()
    log_probs = log_probs_of(model, images, precision)
    CTC_LOSS(log_probs, targets, input_lengths, target_lengths).backward()
    return torch.cat([parameter.grad.flatten() for parameter in model.parameters()]), log_probs.detach()


def test_a_bf16_step_follows_the_fp32_gradient_and_reads_the_same_lines():
    config = load_config("v2")
    charset = default_charset()
    model = build_model(config, charset.num_classes)
    model.load_state_dict(torch.load(ROOT / "training" / "checkpoints" / "v2.pt", weights_only=True))
    model.eval()  # the same network both times: no dropout masks drawn (gradients flow all the same)
    shard = render_shard(7, 16, config.preprocess, frozenset())
    batch = make_batch(shard.images, [charset.encode(text) for text in shard.texts])
    exact, exact_log_probs = gradients(model, batch, "fp32")
    half, half_log_probs = gradients(model, batch, "bf16")
    assert half_log_probs.dtype == torch.float32  # the loss is taken in float32
    assert not torch.equal(half_log_probs, exact_log_probs)  # the network did run in bfloat16
    assert torch.nn.functional.cosine_similarity(exact, half, dim=0) > 0.99  # measured 0.999
    agree = (half_log_probs.argmax(-1) == exact_log_probs.argmax(-1)).float().mean()
    assert agree > 0.995  # the frame-by-frame best classes: what greedy decoding reads


def test_an_unknown_precision_is_refused(tmp_path):
    config = json.loads((ROOT / "training" / "configs" / "v2.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**config, "precision": "fp8"}))
    with pytest.raises(ValueError, match="precision"):
        load_config(str(path))


def test_bf16_falls_back_to_fp32_only_where_it_would_be_emulated(monkeypatch):
    for avx512_bf16, amx in ((False, False), (True, False), (False, True)):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
        native = avx512_bf16 or amx
        assert precision_on("bf16", "cpu") == ("bf16" if native else "fp32")
        assert precision_on("fp32", "cpu") == "fp32"
        assert precision_on("bf16", "cuda") == "bf16"  # the GPUs lent here compute in bfloat16
