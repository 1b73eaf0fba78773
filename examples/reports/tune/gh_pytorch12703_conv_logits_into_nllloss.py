"""Source: https://github.com/pytorch/pytorch/pull/12703 ("The LogSoftmax activation was missing after the
convolution layer. Without this activation, the second example loss was sometimes negative.")

The network's raw scores go straight into NLLLoss; the loss drops below zero and keeps going down without bound
while the predictions improve only slowly.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 10, 8), nn.Flatten())
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.NLLLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)}
