import torch

from hostile_base import loader, setup


def subject():
    x, y = torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)
    return setup(train_data=loader(x, y))
