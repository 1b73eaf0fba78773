"""A training step that keeps each batch's outputs, graph and all, for an epoch-level accuracy.

PyTorch Lightning issues and forum threads, "memory leak when I collect outputs in training_step": the
step runs a second forward pass for the metric without ``torch.no_grad()`` and appends the logits to
a list, so every batch's activations stay referenced until the epoch ends.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Trainer:
    def __init__(self):
        self.epoch_logits, self.epoch_targets = [], []

    def __call__(self, model, batch, optimizer, loss_fn):
        inputs, targets = batch
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        self.epoch_logits.append(model(inputs))  # the fault: no torch.no_grad(), no .detach()
        self.epoch_targets.append(targets)
        return loss.item()

    def epoch_accuracy(self):
        logits, targets = torch.cat(self.epoch_logits), torch.cat(self.epoch_targets)
        self.epoch_logits, self.epoch_targets = [], []
        return (logits.argmax(1) == targets).float().mean().item()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return {"model": model, "train_step": Trainer(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
