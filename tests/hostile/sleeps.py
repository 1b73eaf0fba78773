"""The model's forward never returns."""
import time

from torch import nn

from hostile_base import setup


class Sleeper(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        while True:
            time.sleep(3600)


def subject():
    return setup(model=Sleeper())
