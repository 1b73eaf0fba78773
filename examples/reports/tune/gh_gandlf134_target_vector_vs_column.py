"""Source: https://github.com/mlcommons/GaNDLF/issues/134 ("Bug in regression causing different output size to get
broadcasted", "Using a target size ... that is different to the input size")

The model returns a column (batch, 1) and the target is a flat vector (batch,): the loss silently compares every
prediction with every target and the regression does not fit.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make(n, rng):
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = (X[:, 0] * 1.5 - X[:, 1] + 0.5 * X[:, 2] * X[:, 3] + 0.1 * rng.normal(size=n)).astype(np.float32)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 1))
    return {"model": model, "train_data": DataLoader(make(1000, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(250, rng), batch_size=125), "loss_fn": nn.L1Loss(),
            "task": "regression", "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
