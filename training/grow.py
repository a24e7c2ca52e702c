"""Warm-start a wider CRNN from a narrower one's weights without changing what it reads.

Measured here: v2 (2.9 M parameters) reads only 66% of the photo lines it was trained on and 62% of held-out
ones, so it underfits; a wider network started from scratch would need days of these two cores to catch up.
Growing keeps every trained weight in place and starts the new units silent, so training goes on from v2's
accuracy instead of from zero:

- a weight from a new input to an old output is 0, so every old unit computes exactly what it did;
- a new conv channel's batch-norm gain starts at NEW_CHANNEL_GAIN (small, not 0: a ReLU at exactly 0 passes
  no gradient), a new LSTM unit's cell-input gate (g) starts at 0, so its cell and output stay 0 until
  training moves it;
- everything else of a new unit keeps PyTorch's random initialisation, which breaks the symmetry.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ocr.crnn import CRNN, CRNNConfig

NEW_CHANNEL_GAIN = 0.01
GATES = 4  # PyTorch's LSTM rows: input, forget, cell (g), output
CELL_GATE = 2


def config_of(state: dict[str, Tensor], like: CRNNConfig) -> CRNNConfig:
    """The CRNNConfig a state dict was trained with (its widths read from the tensors' shapes)."""
    convs = [key for key, value in state.items() if key.startswith("features.") and value.dim() == 4]
    channels = [state[key].shape[0] for key in convs]
    del channels[3]  # the third stage has two convs of the same width
    layers = sum(1 for key in state if key.startswith("sequence.weight_hh_l") and not key.endswith("_reverse"))
    return CRNNConfig(num_classes=state["classifier.weight"].shape[0], input_height=like.input_height,
                      conv_channels=tuple(channels), lstm_hidden=state["sequence.weight_hh_l0"].shape[1],
                      lstm_layers=layers, dropout=like.dropout)


def warm_start(model: CRNN, state: dict[str, Tensor]) -> str:
    """Load ``state`` into ``model``: as it is when the shapes match, grown when the model is wider."""
    small_config = config_of(state, model.config)
    if small_config == model.config:
        model.load_state_dict(state)
        return "warm start"
    small = CRNN(small_config)
    small.load_state_dict(state)
    grow(small, model)
    return f"grown from {small_config.conv_channels} x LSTM {small_config.lstm_hidden}"


def grow(small: CRNN, model: CRNN) -> None:
    """Copy ``small``'s weights into the wider ``model`` (same depth, same classes), new units silent."""
    old, new = small.config, model.config
    if (old.num_classes, old.lstm_layers) != (new.num_classes, new.lstm_layers) or any(
            o > n for o, n in zip(old.conv_channels + (old.lstm_hidden,), new.conv_channels + (new.lstm_hidden,))):
        raise ValueError(f"cannot grow {old} into {new}: only widths may grow")
    with torch.no_grad():
        for before, after in zip(small.features, model.features):
            if isinstance(after, nn.Conv2d):
                _conv(before, after)
            elif isinstance(after, nn.BatchNorm2d):
                _batch_norm(before, after)
        _lstm(small.sequence, model.sequence, old, new)
        _classifier(small.classifier, model.classifier, old, new)


def _conv(before: nn.Conv2d, after: nn.Conv2d) -> None:
    out_channels, in_channels = before.weight.shape[:2]
    after.weight[:out_channels] = 0
    after.weight[:out_channels, :in_channels] = before.weight


def _batch_norm(before: nn.BatchNorm2d, after: nn.BatchNorm2d) -> None:
    kept = before.num_features
    after.weight[kept:] = NEW_CHANNEL_GAIN
    after.bias[kept:] = 0
    for name in ("weight", "bias", "running_mean", "running_var"):
        getattr(after, name)[:kept] = getattr(before, name)


def _gate_rows(old_hidden: int, new_hidden: int) -> Tensor:
    """Where each old LSTM gate row sits among the wider LSTM's rows."""
    return torch.cat([gate * new_hidden + torch.arange(old_hidden) for gate in range(GATES)])


def _both_directions(old_hidden: int, new_hidden: int) -> Tensor:
    """Where each old (forward | backward) output sits among the wider LSTM's outputs."""
    return torch.cat([torch.arange(old_hidden), new_hidden + torch.arange(old_hidden)])


def _lstm(before: nn.LSTM, after: nn.LSTM, old: CRNNConfig, new: CRNNConfig) -> None:
    rows = _gate_rows(old.lstm_hidden, new.lstm_hidden)
    new_cell_rows = CELL_GATE * new.lstm_hidden + torch.arange(old.lstm_hidden, new.lstm_hidden)
    for layer in range(old.lstm_layers):
        inputs = (torch.arange(old.conv_channels[-1]) if layer == 0
                  else _both_directions(old.lstm_hidden, new.lstm_hidden))
        for suffix in ("", "_reverse"):
            name = f"_l{layer}{suffix}"
            weights = {kind: getattr(after, f"{kind}{name}") for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            for kind, columns in (("weight_ih", inputs), ("weight_hh", torch.arange(old.lstm_hidden))):
                weights[kind][rows] = 0
                weights[kind][rows[:, None], columns[None, :]] = getattr(before, f"{kind}{name}")
            for kind in ("bias_ih", "bias_hh"):
                weights[kind][rows] = getattr(before, f"{kind}{name}")
            for tensor in weights.values():
                tensor[new_cell_rows] = 0


def _classifier(before: nn.Linear, after: nn.Linear, old: CRNNConfig, new: CRNNConfig) -> None:
    frames = 2 * new.lstm_hidden  # the conv features' columns follow both directions' outputs
    columns = torch.cat([_both_directions(old.lstm_hidden, new.lstm_hidden),
                         frames + torch.arange(old.conv_channels[-1])])
    after.weight[:, frames + old.conv_channels[-1]:] = 0
    after.weight[:, columns] = before.weight
    after.bias.copy_(before.bias)
