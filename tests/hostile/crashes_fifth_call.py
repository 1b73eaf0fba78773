"""The model runs on its first calls, then raises on every call from the fifth on (a bug that needs state)."""
from torch import nn

from hostile_base import mlp, setup


class FifthCall(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls >= 5:
            raise RuntimeError("the cache index ran past its end")
        return self.net(x)


def subject():
    return setup(model=FifthCall())
