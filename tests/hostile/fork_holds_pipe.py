"""The forward forks a child that sleeps (holding the worker's pipes open), then the worker dies."""
import os
import time

from torch import nn

from hostile_base import mlp, setup


class Dies(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp()

    def forward(self, x):
        if os.fork() == 0:
            time.sleep(300)  # the child keeps stdout and stderr open
            os._exit(0)
        os._exit(3)  # the worker dies at once


def subject():
    return setup(model=Dies())
