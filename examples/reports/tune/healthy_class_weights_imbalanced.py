"""Healthy control: an imbalanced problem (about 85/15) handled the usual way, with inverse-frequency class weights
in CrossEntropyLoss and a signal strong enough to learn; the minority class is recalled well.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make(n, rng):
    y = (rng.random(n) < 0.15).astype(np.int64)
    X = rng.normal(size=(n, 10)).astype(np.float32)
    X[:, :4] += 1.8 * y[:, None]
    return X, y


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X_tr, y_tr = make(2000, rng)
    X_val, y_val = make(500, rng)
    counts = np.bincount(y_tr, minlength=2)
    weights = torch.tensor(len(y_tr) / (2 * counts), dtype=torch.float32)
    ds = lambda a, b: TensorDataset(torch.from_numpy(a), torch.from_numpy(b))
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=250), "loss_fn": nn.CrossEntropyLoss(weight=weights),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
