"""Healthy control: regression on the diabetes data (standardised inputs and target), whose target is noisy: the
best achievable validation error is large and the training loss never gets near zero. That is the data, not a
fault.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    sx, sy = StandardScaler().fit(X_tr), StandardScaler().fit(y_tr.reshape(-1, 1))
    ds = lambda a, b: TensorDataset(torch.tensor(sx.transform(a), dtype=torch.float32),
                                    torch.tensor(sy.transform(b.reshape(-1, 1)), dtype=torch.float32))
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.MSELoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3, weight_decay=1e-4)}
