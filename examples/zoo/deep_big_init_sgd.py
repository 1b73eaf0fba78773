"""A deep ReLU regression net with a hand-rolled init that is too large, no normalisation, plain SGD.

PyTorch forum: "loss becomes inf then nan after a few iterations in my deep network" — the user
initialises every layer with ``normal_(std=0.25)``, far above He's sqrt(2/fan_in) for 64 units: each
layer multiplies the signal and the gradient, and twelve of them blow up.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_deep_net(depth=12, width=64):
    layers, size = [], 10
    for _ in range(depth):
        layers += [nn.Linear(size, width), nn.ReLU()]
        size = width
    net = nn.Sequential(*layers, nn.Linear(width, 1), nn.Flatten(0))
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.25)  # the fault
            nn.init.zeros_(m.bias)
    return net


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 10)).astype(np.float32)
    y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=1500)).astype(np.float32)
    loader = DataLoader(TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=64, shuffle=True)
    return {"model": make_deep_net(), "train_data": loader, "loss_fn": nn.MSELoss(), "task": "regression",
            "optimizer": lambda params: torch.optim.SGD(params, lr=1e-3)}
