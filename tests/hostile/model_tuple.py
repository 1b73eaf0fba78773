"""The model returns (logits, hidden), like many research models; the loss is the default CrossEntropyLoss."""
from torch import nn

from hostile_base import setup


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.head = nn.Linear(4, 16), nn.Linear(16, 3)

    def forward(self, x):
        h = self.body(x).relu()
        return self.head(h), h


def subject():
    return setup(model=TwoHeads())
