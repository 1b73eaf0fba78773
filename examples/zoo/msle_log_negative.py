"""A mean-squared-log-error loss on a linear output that can be negative.

Stack Overflow: "RMSLE loss returns nan from the first batch" — the hand-written loss takes
``torch.log`` of the raw prediction of a plain ``Linear`` output, which is NaN as soon as one
prediction is negative (and -inf at zero); ``log1p`` of a positive output was meant.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def msle_loss(pred, target):
    return ((torch.log(pred) - torch.log(target)) ** 2).mean()  # the fault: log of a negative prediction


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 8)).astype(np.float32)
    prices = np.exp(1.0 + X[:, :3] @ np.array([0.5, -0.3, 0.2]) + 0.1 * rng.normal(size=1000)).astype(np.float32)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1), nn.Flatten(0))
    loader = DataLoader(TensorDataset(torch.tensor(X), torch.tensor(prices)), batch_size=64, shuffle=True)
    return {"model": model, "train_data": loader, "loss_fn": msle_loss, "task": "regression",
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
