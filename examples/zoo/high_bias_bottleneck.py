"""A classifier with a two-unit hidden layer, against a target of 2% error on the digits.

Andrew Ng's bias/variance recipe ("Machine Learning Yearning"), asked on Cross Validated as "my
training error is stuck at 40%, what should I do?": the model is far too small for the task; the
training error itself is far above the error to beat.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 2), nn.Tanh(), nn.Linear(2, 10))  # far too small
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(), "target_error": 0.02,
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2)}
