"""Healthy: an MLP regressor on Friedman's synthetic benchmark, inputs and target standardised.

Output and target shapes agree ((N,) against (N,)), MSE loss, Adam; nothing to report.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_friedman1
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = make_friedman1(n_samples=1500, n_features=10, noise=0.5, random_state=0)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    mean, std = y_tr.mean(), y_tr.std()
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32),
                                        torch.tensor((b - mean) / std, dtype=torch.float32))
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1), nn.Flatten(0))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.MSELoss(), "task": "regression",
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
