"""The tiny classification setup that the hostile targets bend: 4 features, 3 classes, 64 rows.

Not a target itself; each target file beside it changes one thing.  A target's own folder is
importable while it loads, so they ``from hostile_base import setup``.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def data(n: int = 64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    return x, y


def loader(x=None, y=None, batch_size: int = 16):
    if x is None:
        x, y = data()
    return DataLoader(TensorDataset(x, y), batch_size=batch_size)


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


def setup(**override) -> dict:
    subject = {"model": mlp(), "train_data": loader(), "loss_fn": nn.CrossEntropyLoss()}
    subject.update(override)
    return subject
