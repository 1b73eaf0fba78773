"""Source: https://stats.stackexchange.com/questions/325451/cost-function-turning-into-nan-after-a-certain-number-of-iterations

A sigmoid output with a hand-written cross entropy: the cost decreases nicely, then after a number of epochs
turns into nan; a smaller learning rate only makes it happen later (the log of a saturated sigmoid).
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def cross_entropy(p, y):
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def make(n, rng):
    X = np.concatenate([rng.normal(-2.0, 1.0, size=(n // 2, 5)), rng.normal(2.0, 1.0, size=(n // 2, 5))])
    y = np.concatenate([np.zeros(n // 2), np.ones(n // 2)])
    return TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).unsqueeze(1))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    return {"model": model, "train_data": DataLoader(make(800, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(200, rng), batch_size=100), "loss_fn": cross_entropy,
            "optimizer": lambda p: torch.optim.Adam(p, lr=0.05)}
