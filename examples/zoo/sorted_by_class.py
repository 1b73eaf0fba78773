"""Digits sorted by class (as read from one folder per class) and loaded with ``shuffle=False``.

Stack Overflow: "loss drops within each epoch then jumps at the start of the next; the model only
predicts the last class" — images were collected folder by folder, the DataLoader does not shuffle,
so each batch holds one class and the model chases the class of the moment.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def read_class_folders():
    """Each class folder split 75/25 into train and validation, folders concatenated in order."""
    X, y = load_digits(return_X_y=True)
    parts = [train_test_split(X[y == c] / 16.0, y[y == c], test_size=0.25, random_state=0) for c in range(10)]
    return [np.concatenate([p[i] for p in parts]) for i in range(4)]


def subject():
    torch.manual_seed(0)
    X_tr, X_val, y_tr, y_val = read_class_folders()  # folder 0/, then folder 1/, ...
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=False),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9)}
