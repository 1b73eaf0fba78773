"""Healthy control: gradient accumulation done right (loss divided by the number of micro-batches, step and
zero_grad every ACCUMULATE calls), as in nanoGPT's train.py; the look-alike of unscaled accumulation and of a
missing zero_grad.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

ACCUMULATE = 4


def make_step():
    state = {"micro": 0}

    def train_step(model, batch, optimizer, loss_fn):
        x, t = batch
        loss = loss_fn(model(x), t)
        (loss / ACCUMULATE).backward()
        state["micro"] += 1
        if state["micro"] % ACCUMULATE == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return loss.item()

    return train_step


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": make_step(), "optimizer": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)}
