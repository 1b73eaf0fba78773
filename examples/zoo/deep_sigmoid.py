"""A ten-layer sigmoid network trained with plain SGD.

The textbook case, asked again and again on Stack Overflow ("my deep network doesn't learn, the
first layers' weights never change"): each sigmoid scales the gradient by at most 1/4, so after ten
layers the early layers get almost nothing.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def make_deep_net(depth=10, width=64):
    layers, size = [], 64
    for _ in range(depth):
        layers += [nn.Linear(size, width), nn.Sigmoid()]
        size = width
    return nn.Sequential(*layers, nn.Linear(width, 10))


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": make_deep_net(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.1)}
