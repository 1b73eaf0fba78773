"""Per-pixel standardisation of the digits that divides by a zero standard deviation.

PyTorch forum: "loss is nan from the very first iteration" — the corner pixels of the digits are
always 0, so ``(X - mean) / std`` divides 0 by 0 and the inputs hold NaN.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def standardize(train, other):
    mean, std = train.mean(axis=0), train.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (train - mean) / std, (other - mean) / std  # the fault: std is 0 for constant pixels


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    X_tr, X_val = standardize(X_tr, X_val)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss()}
