"""Two faults in one hand-written step: no ``zero_grad()``, and ``model.eval()`` for a metric.

A composite of forum threads ("loss explodes after I added accuracy logging"): the step computes the
batch accuracy in eval mode and never returns to train mode, and it never clears the gradients.
The accumulating gradients wreck training; the eval mode is the second fault.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def train_step(model, batch, optimizer, loss_fn):
    inputs, targets = batch
    loss = loss_fn(model(inputs), targets)
    loss.backward()  # fault 1: no optimizer.zero_grad()
    optimizer.step()
    model.eval()  # fault 2: never back to model.train()
    with torch.no_grad():
        train_step.accuracy = (model(inputs).argmax(1) == targets).float().mean().item()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(13, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 3))
    return {"model": model, "train_step": train_step,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=64),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9)}
