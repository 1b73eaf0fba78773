"""A three-layer "deep" network without a single activation, on concentric circles.

Stack Overflow: "adding layers does not help, my network only learns a straight line" — the model is
``nn.Sequential(Linear, Linear, Linear)``: a product of linear maps is linear, and two circles cannot
be separated by a line.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = make_circles(n_samples=1200, noise=0.05, factor=0.5, random_state=0)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(2, 64), nn.Linear(64, 64), nn.Linear(64, 2))  # no activations
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2)}
