from torch import nn

from hostile_base import setup


def subject():
    return setup(loss_fn=nn.CrossEntropyLoss(reduction="none"))
