"""The served ONNX graph computes what the trained torch model computes."""
import random

import numpy as np
import pytest
import torch

from ocr import crnn
from ocr.crnn import CRNN, CRNNConfig
from ocr.manifest import load_version
from ocr.preprocess import pad_batch, preprocess
from ocr.runtime import Recognizer
from tests.helpers import ROOT, version_dir
from training.corpus import TextSampler
from training.fonts import TRAIN_FONTS, fonts_for
from training.render import render_line


def fixed_lines(count=12):
    rng = random.Random(7)
    sampler = TextSampler(rng)
    lines = []
    for position in range(count):
        text = sampler.sample(["en", "num", "zh", "mixed"][position % 4])
        lines.append(preprocess(render_line(text, rng.choice(fonts_for(text, TRAIN_FONTS)), rng)))
    return lines


def test_the_runtime_gives_each_line_the_frames_the_model_trained_with():
    recognizer = Recognizer(load_version(version_dir("v2")))
    lines = fixed_lines()[:6]
    batch, widths = pad_batch(lines)
    frames = recognizer.logits(batch).shape[1]
    assert [width * frames // batch.shape[3] for width in widths] == [crnn.frame_count(width) for width in widths]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_torch_and_onnx_runtime_give_the_same_text_and_close_logits(version):
    bundle = load_version(version_dir(version))
    model = CRNN(CRNNConfig.from_dict(bundle.manifest["model"]))
    model.load_state_dict(torch.load(ROOT / "training" / "checkpoints" / f"{version}.pt", weights_only=True))
    model.eval()
    recognizer = Recognizer(bundle)
    for line in fixed_lines():
        batch, _ = pad_batch([line])
        with torch.no_grad():
            expected = model(torch.from_numpy(batch)).numpy()
        actual = recognizer.logits(batch)
        assert actual.shape == expected.shape
        np.testing.assert_allclose(actual, expected, atol=2e-3, rtol=1e-3)
        assert (actual.argmax(-1) == expected.argmax(-1)).mean() > 0.99


@pytest.mark.parametrize("height", [48, 64])
def test_a_taller_model_takes_a_shorter_ones_weights_and_gives_a_frame_per_four_columns(height):
    short = CRNN(CRNNConfig(num_classes=40))
    tall = CRNN(CRNNConfig(num_classes=40, input_height=height))
    tall.load_state_dict(short.state_dict())  # strict: every weight has the same shape
    with torch.no_grad():
        frames = tall.eval()(torch.full((2, 1, height, 200), 255.0))
    assert frames.shape == (2, crnn.frame_count(200), 40)
    with pytest.raises(AssertionError):
        CRNN(CRNNConfig(num_classes=40, input_height=40))
