"""A model whose outputs are infinite: NaN and Infinity in the measurements (strict JSON must hold)."""
import torch
from torch import nn

from hostile_base import setup


class Overflows(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, x):
        return self.lin(x) * torch.tensor(float("inf"))


def subject():
    return setup(model=Overflows())
