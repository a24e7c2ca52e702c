"""Growing a CRNN wider keeps what it reads and leaves the new units trainable."""
import pytest
import torch

from ocr.crnn import CRNN, CRNNConfig
from training.grow import config_of, warm_start

SMALL = CRNNConfig(num_classes=40, conv_channels=(8, 12, 16, 20, 24), lstm_hidden=16)
WIDE = CRNNConfig(num_classes=40, conv_channels=(8, 16, 24, 28, 32), lstm_hidden=24)


def trained_small() -> CRNN:
    torch.manual_seed(0)
    small = CRNN(SMALL)
    with torch.no_grad():  # batch-norm statistics that are not the defaults, as after training
        for module in small.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
    return small.eval()


def test_config_is_read_from_the_weights():
    assert config_of(trained_small().state_dict(), SMALL) == SMALL


def test_grown_model_reads_exactly_what_the_small_one_read():
    small = trained_small()
    wide = CRNN(WIDE)
    assert warm_start(wide, small.state_dict()).startswith("grown")
    images = torch.rand(3, 1, 32, 96) * 255
    with torch.no_grad():
        expected, got = small(images), wide.eval()(images)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_new_units_learn():
    small = trained_small()
    wide = CRNN(WIDE)
    warm_start(wide, small.state_dict())
    wide.train()
    optimizer = torch.optim.Adam(wide.parameters(), lr=1e-2)
    images = torch.rand(4, 1, 32, 64) * 255
    for _ in range(3):
        loss = wide(images).logsumexp(-1).mean() - wide(images)[..., 1].mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    new_cell_rows = wide.sequence.weight_ih_l0[2 * WIDE.lstm_hidden + SMALL.lstm_hidden: 3 * WIDE.lstm_hidden]
    assert new_cell_rows.abs().sum() > 0, "a new LSTM unit's cell gate never left 0"
    assert wide.classifier.weight[:, 2 * WIDE.lstm_hidden + SMALL.conv_channels[-1]:].abs().sum() > 0


def test_a_narrower_model_is_refused():
    with pytest.raises(ValueError, match="only widths may grow"):
        warm_start(CRNN(SMALL), CRNN(WIDE).state_dict())
