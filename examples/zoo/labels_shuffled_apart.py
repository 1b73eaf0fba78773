"""Inputs and labels shuffled with two different permutations.

Stack Overflow: "my network is stuck at 10% accuracy on MNIST" — the user shuffles the arrays
before splitting with ``np.random.shuffle(X); np.random.shuffle(y)``, each call drawing its own
permutation, so the labels no longer belong to their images.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits


def subject():
    torch.manual_seed(0)
    np.random.seed(0)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    np.random.shuffle(X)
    np.random.shuffle(y)  # the fault: a second, different permutation
    split = int(0.8 * len(X))
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X[:split], y[:split]), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X[split:], y[split:]), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
