"""Healthy: batch norm and dropout used correctly, with an eval-mode metric inside the step.

The twin of eval_mode_in_train_step.py done right: the step measures the batch accuracy in eval
mode and puts the model back in train mode before returning.  Nothing to report.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

RUNNING_ACCURACY = []


def train_step(model, batch, optimizer, loss_fn):
    inputs, targets = batch
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        RUNNING_ACCURACY.append((model(inputs).argmax(1) == targets).float().mean().item())
    model.train()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(128, 10),
    )
    return {"model": model, "train_step": train_step,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True, drop_last=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
