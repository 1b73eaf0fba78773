"""Pixel values 0..255 fed straight into an MLP trained with plain SGD.

Stack Overflow: "loss is nan / accuracy stuck at 10% on my image classifier" — the images are read
as 0..255 and never divided by 255; the first layer's pre-activations are huge and SGD at a usual
learning rate jumps out.  Looks like a learning rate that is too high (its twin: lr_too_high_sgd.py).
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def read_images():
    X, y = load_digits(return_X_y=True)
    return np.round(X * 255 / 16).astype(np.uint8), y  # as an 8-bit image file would hold them


def subject():
    torch.manual_seed(0)
    X, y = read_images()
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))  # no / 255
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9)}
