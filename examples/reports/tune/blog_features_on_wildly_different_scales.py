"""Source: https://taourl.com/read-2034078.html ("Normalizing inputs to zero mean and unit variance often
improves training")

A tabular classifier on the raw breast-cancer measurements (areas in the thousands next to smoothness values
around 0.1): the loss is erratic, the network underfits, and the learning rate can't be tuned to work.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 2))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9)}
