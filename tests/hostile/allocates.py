"""The model's forward allocates until it cannot: a cache of tensors that is never cleared, kept alive."""
import torch
from torch import nn

from hostile_base import setup

HOARD = []


class Hoarder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        while True:
            HOARD.append(torch.empty(64 * 2**20))  # 256 MB a step, never freed


def subject():
    return setup(model=Hoarder())
