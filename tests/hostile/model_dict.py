"""The model returns a dict, like Hugging Face models; the loss is the default CrossEntropyLoss."""
from torch import nn

from hostile_base import setup


class DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return {"logits": self.fc(x)}


def subject():
    return setup(model=DictOut())
