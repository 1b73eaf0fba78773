"""Healthy: 150 iris flowers, a small network, a validation split — small data handled sensibly.

Small data sets are not a fault in themselves: the model is sized for the data and generalises
(validation error close to training error).  Nothing to report.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_iris(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=64),
            "loss_fn": nn.CrossEntropyLoss(), "target_error": 0.05,
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2)}
