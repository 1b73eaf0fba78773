"""A subject that declares its own search space: the hidden width, through build(params)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make(hidden: int = 8):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(384, 6, generator=g)
    y = ((x[:, 0] * x[:, 1] > 0).long() + (x[:, 2] > 0.5).long())
    model = nn.Sequential(nn.Linear(6, hidden), nn.ReLU(), nn.Linear(hidden, 3))
    return {
        "model": model,
        "train_data": DataLoader(TensorDataset(x[:256], y[:256]), batch_size=32, shuffle=True),
        "val_data": DataLoader(TensorDataset(x[256:], y[256:]), batch_size=128),
        "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3),
        "search_space": {"hidden": [4, 32], "build": lambda params: make(**params)},
    }


def subject():
    return make()


def bad():
    s = make()
    s["search_space"] = {"hidden": (32, 4), "build": lambda params: make(**params)}
    return s


def crashes():
    s = make()
    s["forward"] = lambda model, x: model(x[:, :5])  # a shape bug: the first Linear wants 6 features
    return s
