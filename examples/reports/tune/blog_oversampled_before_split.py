"""Source: https://jmwebsoluciones.com/en/blog/fugas-de-datos-entre-train-y-test ("It is a concat of two files that
already overlapped ... a row that appears in both training and test")

The minority class was oversampled by copying rows before the train/validation split, so the same rows sit on
both sides; validation accuracy looks excellent and the deployed model does much worse.
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
    minority = np.flatnonzero(y == 0)
    X = np.concatenate([X, X[minority], X[minority]])  # oversampled first ...
    y = np.concatenate([y, y[minority], y[minority]])
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)  # ... split after
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 2))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
