from torch import nn

from hostile_base import setup

_ce = nn.CrossEntropyLoss()


def loss_fn(outputs, targets):
    return _ce(outputs, targets).item()  # a Python float: no gradient


def subject():
    return setup(loss_fn=loss_fn)
