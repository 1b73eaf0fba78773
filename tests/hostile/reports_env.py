"""Changes the working directory at load and in forward, and reports what its forward sees:
forward raises RuntimeError("threads=N cwd=PATH"), so probe 'runs' carries it in its notes."""
import os

import torch
from torch import nn

from hostile_base import setup


class Reporter(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        seen = f"threads={torch.get_num_threads()} cwd={os.getcwd()}"
        os.chdir(os.sep)
        raise RuntimeError(seen)


def subject():
    os.chdir(os.sep)
    return setup(model=Reporter())
