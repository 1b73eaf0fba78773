"""Trained on white-on-black digits, tested on black-on-white scans.

Stack Overflow: "MNIST model is 98% accurate but fails on my own handwriting" — the user's own images
are dark ink on white paper, the training images light strokes on black; the test set comes from a
different distribution (here: the held-out digits inverted and a little noisier).
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def scan_own_handwriting(X, rng):
    return np.clip(1.0 - X + 0.05 * rng.normal(size=X.shape), 0.0, 1.0)


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    X_te = scan_own_handwriting(X_te, rng)  # the test images come from elsewhere
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "test_data": DataLoader(as_set(X_te, y_te), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
