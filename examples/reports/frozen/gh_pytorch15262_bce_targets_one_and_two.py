"""Source: https://github.com/pytorch/pytorch/issues/15262 (binary cross entropy accepts targets 1. and 3. without
complaint)

The binary labels come from a CSV coded 1 and 2; BCEWithLogitsLoss takes them silently, the loss goes below zero
and keeps falling while the "accuracy" never moves.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    y = np.where(y == 1, 2.0, 1.0)  # the file's coding: 1 = malignant, 2 = benign
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32),
                                    torch.tensor(b, dtype=torch.float32).unsqueeze(1))
    model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 1))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.BCEWithLogitsLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
