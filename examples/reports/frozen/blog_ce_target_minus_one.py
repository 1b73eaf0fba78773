"""Source: https://taourl.com/read-2964347.html ("CrossEntropyLoss- Target -1 is out of bounds")

Unlabelled rows are marked -1 in the label column and left in the training set; CrossEntropyLoss (whose
ignore_index is -100, not -1) stops the run with "IndexError: Target -1 is out of bounds".
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = load_iris(return_X_y=True)
    y = y.copy()
    y[rng.random(len(y)) < 0.15] = -1  # "unknown"
    X = (X - X.mean(0)) / X.std(0)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-2)}
