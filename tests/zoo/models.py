"""The zoo's models, each built the same (seeded) way whenever asked for."""
from __future__ import annotations

import torch
from torch import nn


def mlp(n_in: int = 64, n_out: int = 10, hidden: int = 64, depth: int = 2, dropout: float = 0.0, act=nn.ReLU,
        seed: int = 0) -> nn.Sequential:
    """``depth`` hidden layers of ``hidden`` units with ``act``, dropout after the first; the default is the
    64-64-64-10 digits MLP (layers "0", "2", "4" without dropout)."""
    torch.manual_seed(seed)
    layers, width = [], n_in
    for i in range(depth):
        layers += [nn.Linear(width, hidden), act()]
        if dropout and i == 0:
            layers.append(nn.Dropout(dropout))
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, n_out))


def cnn(batchnorm: bool = True, width: int = 16, seed: int = 0) -> nn.Sequential:
    """Two convolutions (the first with batch norm) on 1x8x8 digits, global pooling, a linear head."""
    torch.manual_seed(seed)
    norm = [nn.BatchNorm2d(width)] if batchnorm else []
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), *norm, nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(2 * width, 10),
    )


class SmallCNN(nn.Module):
    """Named parts (``features``, ``head``) so a crash can name its module; ``flatten=False`` is the
    missing-flatten fault: the head gets (batch, 16, 4, 4) feature maps."""

    def __init__(self, flatten: bool = True, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.flatten = flatten
        self.head = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        h = self.features(x)
        return self.head(h.flatten(1) if self.flatten else h)
