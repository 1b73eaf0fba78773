"""Healthy control: the step measures the batch accuracy under model.eval() and torch.no_grad(), then switches
back with model.train() before computing the loss (a BN + dropout network); the look-alike of a step that leaves
the model in eval mode.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def train_step(model, batch, optimizer, loss_fn):
    x, t = batch
    model.eval()
    with torch.no_grad():
        _accuracy = (model(x).argmax(1) == t).float().mean().item()
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(x), t)
    loss.backward()
    optimizer.step()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": train_step, "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
