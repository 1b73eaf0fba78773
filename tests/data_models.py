"""Subjects on sklearn's bundled datasets for the data probes' tests (digits, breast_cancer, regression)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dldoctor.expert.subject import Subject
from dldoctor.probes.context import ProbeContext


def digits(seed: int = 0):
    """sklearn digits: (X raw 0..16 float64, y int), rows in a fixed random order."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    return X[order], y[order]


def loader(X, y, batch_size: int = 64, shuffle: bool = True, seed: int = 0, x_dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    ds = TensorDataset(torch.as_tensor(np.asarray(X)).to(x_dtype), torch.as_tensor(np.asarray(y)))
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=g)


def mlp(d_in: int = 64, d_out: int = 10) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(d_in, 32), nn.ReLU(), nn.Linear(32, d_out))


def classifier(X, y, val=None, test=None, **kw) -> Subject:
    """An MLP with CrossEntropyLoss over (X, y); val/test are (X, y) pairs."""
    return Subject(
        model=mlp(X.shape[1], int(np.max(y)) + 1),
        train_data=loader(X, y, **kw),
        loss_fn=nn.CrossEntropyLoss(),
        optimizer=lambda p: torch.optim.Adam(p, lr=1e-3),
        val_data=None if val is None else loader(*val, shuffle=False),
        test_data=None if test is None else loader(*test, shuffle=False),
    )


def regression(n: int = 1500, d: int = 8, seed: int = 0, noise: float = 0.1):
    """y = a smooth function of X plus noise, float32 (n, 1) targets."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] + noise * rng.normal(size=n)).astype(np.float32)
    return X, y[:, None]


def regressor(X, y, val=None, test=None) -> Subject:
    return Subject(
        model=mlp(X.shape[1], y.shape[1]),
        train_data=loader(X, y),
        loss_fn=nn.MSELoss(),
        val_data=None if val is None else loader(*val, shuffle=False),
        test_data=None if test is None else loader(*test, shuffle=False),
    )


def ctx(seed: int = 0) -> ProbeContext:
    return ProbeContext(seed=seed)
