"""Source: https://datascience.stackexchange.com/questions/64623/inconsistency-occurred-when-using-cross-val-score-in-python
("even worse your test data only has one class")

train_test_split(..., shuffle=False) on the class-sorted iris file: the test set holds the last rows only, all of
one species, whose measurements the training set has barely seen; the test score disagrees with cross-validation.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, shuffle=False)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "test_data": DataLoader(ds(X_te, y_te), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-2)}
