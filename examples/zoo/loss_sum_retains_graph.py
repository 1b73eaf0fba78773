"""A training step that keeps a running loss as a tensor.

The PyTorch FAQ's first example ("my model reports CUDA out of memory after a while"), asked on the
forum as "memory usage increases every iteration": ``self.running_loss += loss`` adds the loss tensor
itself, so the running sum drags the autograd history of every step along; ``loss.item()`` was meant.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Trainer:
    def __init__(self):
        self.running_loss = 0.0
        self.steps = 0

    def __call__(self, model, batch, optimizer, loss_fn):
        inputs, targets = batch
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        self.running_loss += loss  # the fault: keeps the graph of every step
        self.steps += 1
        return loss


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return {"model": model, "train_step": Trainer(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
