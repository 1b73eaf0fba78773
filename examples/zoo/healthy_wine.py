"""Healthy: the wine data standardised on the training split, with validation and test splits.

A small data set (178 rows) and a small model, so nothing over-fits badly; nothing to report.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_rest, y_tr, y_rest = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    X_val, X_te, y_val, y_te = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=64),
            "test_data": DataLoader(as_set(X_te, y_te), batch_size=64),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
