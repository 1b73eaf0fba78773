"""A training step that switches to eval mode to log its accuracy and never switches back.

PyTorch forum: "my model trains much worse since I added a running accuracy" — the step calls
``model.eval()`` for the metric and forgets ``model.train()``, so from the second step on dropout is
off and batch norm uses (and never updates) its running statistics while the model trains.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

RUNNING_ACCURACY = []


def train_step(model, batch, optimizer, loss_fn):
    inputs, targets = batch
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    model.eval()  # for the metric below; the fault: no model.train() afterwards
    with torch.no_grad():
        RUNNING_ACCURACY.append((model(inputs).argmax(1) == targets).float().mean().item())
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10),
    )
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(), "train_step": train_step,
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
