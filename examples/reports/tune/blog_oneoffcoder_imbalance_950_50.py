"""Source: https://learn-pytorch.oneoffcoder.com/class-imbalance.html ("a model can look accurate while failing on
the class you actually care about")

950 examples of one class and 50 of the other, trained with a plain BCEWithLogitsLoss: accuracy is about 95 % and
the confusion matrix shows the rare class is almost never predicted.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def subject():
    torch.manual_seed(0)
    major = torch.randn(950, 2)
    minor = torch.randn(50, 2) + torch.tensor([1.2, 1.2])
    x = torch.cat([major, minor])
    y = torch.cat([torch.zeros(950), torch.ones(50)]).unsqueeze(1)
    perm = torch.randperm(len(x))
    x, y = x[perm], y[perm]
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    return {"model": model, "train_data": DataLoader(TensorDataset(x[:800], y[:800]), batch_size=64, shuffle=True),
            "val_data": DataLoader(TensorDataset(x[800:], y[800:]), batch_size=256),
            "loss_fn": nn.BCEWithLogitsLoss(), "optimizer": lambda p: torch.optim.Adam(p, lr=1e-2)}
