"""The model's forward ends its own process (a library that calls os._exit on an error)."""
import os

from torch import nn

from hostile_base import setup


class Quitter(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        os._exit(3)


def subject():
    return setup(model=Quitter())
