"""A model left in eval mode by a baseline evaluation run before training.

Stack Overflow: "dropout seems to do nothing and BatchNorm running_mean never changes" — the script
evaluates the untrained model once (``evaluate`` calls ``model.eval()``) and then trains it with a
step that, like most, never calls ``model.train()``.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

BASELINE_ACCURACY = []  # logged before training, to compare with the trained model


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, targets in loader:
            correct += (model(inputs).argmax(1) == targets).sum().item()
            total += len(targets)
    return correct / total


def train_step(model, batch, optimizer, loss_fn):
    inputs, targets = batch
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.detach()


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(
        nn.Linear(30, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(64, 2),
    )
    val_loader = DataLoader(as_set(X_val, y_val), batch_size=128)
    BASELINE_ACCURACY.append(evaluate(model, val_loader))  # the fault: leaves the model in eval mode
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": val_loader, "loss_fn": nn.CrossEntropyLoss(), "train_step": train_step}
