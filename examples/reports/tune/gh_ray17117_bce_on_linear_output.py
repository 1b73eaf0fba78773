"""Source: https://github.com/ray-project/ray/issues/17117 ("RuntimeError: all elements of input should be
between 0 and 1")

An nn.Linear model trained with torch.nn.BCELoss crashes on the first batch with "all elements of input should be
between 0 and 1": the raw output of the linear layer goes to a loss that expects probabilities.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32),
                                    torch.tensor(b, dtype=torch.float32).unsqueeze(1))
    return {"model": nn.Linear(30, 1), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.BCELoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=1e-2)}
