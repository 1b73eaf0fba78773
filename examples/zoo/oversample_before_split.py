"""Minority class oversampled before the train/test split, so test rows are copies of train rows.

Cross Validated / Kaggle discussions, "99% test accuracy that vanishes in production": the user
balances the data by duplicating minority rows and only then splits; most duplicated rows land on
both sides and the test score measures memory, not generalisation.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def oversample(X, y, rng, factor=4):
    minority = np.flatnonzero(y == 0)
    extra = rng.choice(minority, size=(factor - 1) * len(minority))
    idx = np.concatenate([np.arange(len(y)), extra])
    return X[idx], y[idx]


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X, y = oversample(X, y, rng)  # the fault: before the split
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 2))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "test_data": DataLoader(as_set(X_te, y_te), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
