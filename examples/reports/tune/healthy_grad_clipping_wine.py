"""Healthy control: gradient-norm clipping in the step (clip_grad_norm_ at 1.0 before optimizer.step()), the way
RNN and transformer scripts do it, on a standardised wine classifier with SGD + momentum.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def train_step(model, batch, optimizer, loss_fn):
    x, t = batch
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), t)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": train_step, "optimizer": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)}
