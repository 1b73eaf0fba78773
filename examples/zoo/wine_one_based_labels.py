"""The UCI wine file's classes are 1, 2, 3; the model has three outputs.

Stack Overflow: "IndexError: Target 3 is out of bounds" — the original UCI ``wine.data`` numbers its
cultivars from 1, and the user feeds the column straight to CrossEntropyLoss.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler


def read_uci_wine():
    X, y = load_wine(return_X_y=True)
    return X, y + 1  # as in the UCI file: classes 1..3


def subject():
    torch.manual_seed(0)
    X, y = read_uci_wine()
    X = StandardScaler().fit_transform(X)
    data = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
    return {"model": model, "train_data": DataLoader(data, batch_size=16, shuffle=True),
            "loss_fn": nn.CrossEntropyLoss()}
