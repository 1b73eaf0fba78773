"""Digits labelled by crowd workers, 40% of the training labels wrong; validation labelled by experts.

From the confident-learning literature (Northcutt et al., "Pervasive label errors in test sets") and
forum questions like "training accuracy plateaus at 60% although the model is big enough": a large
share of the training labels are simply wrong.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def crowd_labels(y, error_rate, rng):
    noisy = y.copy()
    wrong = rng.random(len(y)) < error_rate
    noisy[wrong] = (y[wrong] + rng.integers(1, 10, size=wrong.sum())) % 10  # a different class
    return noisy


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    y_tr = crowd_labels(y_tr, 0.4, rng)  # the fault
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
