"""The CRNN: convolutional features -> BiLSTM -> per-frame class logits (for CTC).

The classifier sees the BiLSTM output and, through a skip connection, the conv features of the same
frame. Measured here: with conv features pre-trained on single characters, the skip lets CTC leave
the all-blank plateau within ~150 steps (loss 8.3 -> 3.0 in 200 steps), where the plain stack was
still all-blank at step 400.

Input: float (batch, 1, height, width) (height 32 or another multiple of 16) with pixel values 0..255 (the preprocess output, unscaled), so the
scaling lives inside the exported graph and serving cannot forget it. Output: (batch, width // 4, classes).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

HORIZONTAL_STRIDE = 4


@dataclass(frozen=True)
class CRNNConfig:
    num_classes: int
    input_height: int = 32
    conv_channels: tuple[int, ...] = (32, 64, 96, 128, 192)
    lstm_hidden: int = 128
    lstm_layers: int = 2
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CRNNConfig":
        return cls(**{**data, "conv_channels": tuple(data["conv_channels"])})


def frame_count(width: int) -> int:
    return width // HORIZONTAL_STRIDE


def _conv_block(in_channels: int, out_channels: int, kernel=(3, 3), padding=(1, 1)) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, out_channels, kernel, padding=padding, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


class CRNN(nn.Module):
    def __init__(self, config: CRNNConfig) -> None:
        super().__init__()
        assert config.input_height % 16 == 0 and config.input_height >= 32, "32, 48, 64 ... rows"
        assert len(config.conv_channels) == 5, "five conv stages: 32 -> 16 -> 8 -> 4 -> 2 -> 1 rows"
        c1, c2, c3, c4, c5 = config.conv_channels
        # The third pool takes H/4 rows to 4 (2 at height 32, 3 at 48): every weight has the same shape at
        # every height, so a taller model starts from a 32-row one.
        third = config.input_height // 16
        self.config = config
        self.features = nn.Sequential(
            *_conv_block(1, c1), nn.MaxPool2d(2, 2),  # H/2 x W/2
            *_conv_block(c1, c2), nn.MaxPool2d(2, 2),  # H/4 x W/4
            *_conv_block(c2, c3), *_conv_block(c3, c3), nn.MaxPool2d((third, 1), (third, 1)),  # 4 x W/4
            *_conv_block(c3, c4), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x W/4
            *_conv_block(c4, c5, kernel=(2, 3), padding=(0, 1)),  # 1 x W/4
        )
        self.sequence = nn.LSTM(
            c5,
            config.lstm_hidden,
            num_layers=config.lstm_layers,
            bidirectional=True,
            batch_first=True,
            dropout=config.dropout if config.lstm_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(2 * config.lstm_hidden + c5, config.num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        features = self.features(images / 255.0)  # (batch, channels, 1, frames)
        frames = features.squeeze(2).permute(0, 2, 1)  # (batch, frames, channels)
        context, _ = self.sequence(frames)
        return self.classifier(torch.cat([self.dropout(context), frames], dim=-1))


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())
