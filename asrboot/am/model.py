"""The built-in grapheme CTC model: 4x conv subsampling over fbank, BiLSTM encoder, linear output.

Its TorchScript export follows the icefall CTC convention shared by every TorchScript backend:
``forward(features (N, T, F), lengths (N,)) -> (log_probs (N, T', V), out_lengths (N,))``
with ``T' = ceil(ceil(T / 2) / 2)``.
"""

from __future__ import annotations

import dataclasses
from typing import Tuple

import torch
from torch import nn

SUBSAMPLING = 4


@dataclasses.dataclass
class ModelConfig:
    """Architecture hyper-parameters (stored in checkpoints and the export)."""

    num_tokens: int
    num_mel_bins: int = 80
    channels: int = 32
    input_dim: int = 256
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.1


class Subsampling(nn.Module):
    """Two stride-2 3x3 convolutions (time and frequency), then a layer-normalized linear projection."""

    def __init__(self, num_mel_bins: int, channels: int, out_dim: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, channels, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.ReLU(),
        )
        freq = ((num_mel_bins + 1) // 2 + 1) // 2
        self.proj = nn.Linear(channels * freq, out_dim)
        self.norm = nn.LayerNorm(out_dim)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.conv(x.unsqueeze(1))  # (N, C, T', F')
        n, c, t, f = x.shape
        x = self.norm(self.proj(x.permute(0, 2, 1, 3).reshape(n, t, c * f)))
        lengths = torch.div(torch.div(lengths + 1, 2, rounding_mode="floor") + 1, 2, rounding_mode="floor")
        return x, lengths


class CtcBiLstm(nn.Module):
    """Conv subsampling + BiLSTM + linear CTC output (log-probs).

    Sequences are not packed (packed LSTMs run ~9x slower on CPU): padded frames are zeroed, so
    in a padded batch the backward direction of a shorter sequence first runs over a few zero
    frames. Training batches are sorted by duration to keep that short; decoding runs one cut
    at a time.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.subsampling = Subsampling(cfg.num_mel_bins, cfg.channels, cfg.input_dim)
        self.dropout = nn.Dropout(cfg.dropout)
        self.lstm = nn.LSTM(cfg.input_dim, cfg.hidden, num_layers=cfg.layers, batch_first=True,
                            bidirectional=True, dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.output = nn.Linear(2 * cfg.hidden, cfg.num_tokens)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x, lengths = self.subsampling(features, lengths)
        x = self.dropout(x)
        mask = torch.arange(x.size(1), device=x.device)[None, :] < lengths[:, None]
        x, _ = self.lstm(x * mask.unsqueeze(-1).to(x.dtype))
        x = self.output(self.dropout(x))
        return x.log_softmax(dim=-1), lengths


def num_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
