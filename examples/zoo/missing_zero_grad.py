"""A hand-written training step without ``optimizer.zero_grad()``.

PyTorch forum: "loss goes down for a few iterations, then oscillates and blows up" — backward adds to
``.grad``, so every step applies the sum of all gradients so far.  Looks like a learning rate that is
too high (its twin in the zoo is lr_too_high_sgd.py: same model, correct step, larger rate).
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def train_step(model, batch, optimizer, loss_fn):
    inputs, targets = batch
    loss = loss_fn(model(inputs), targets)
    loss.backward()  # the fault: gradients of earlier steps are still in .grad
    optimizer.step()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(), "train_step": train_step,
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9)}
