"""Healthy training; the only bug is in how the script logs its accuracy.

A composite of forum threads ("my accuracy is stuck at 0.1 but the loss goes down fine"): the log
line compares ``outputs.max(dim=1)[0]`` — the largest logit, not its index — with the labels, so the
*printed* accuracy is about zero — but training itself is correct.  The diagnosis is about training,
so it must raise nothing.
"""
import logging

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

log = logging.getLogger("digits-training")


class Trainer:
    def __init__(self):
        self.step_count = 0

    def __call__(self, model, batch, optimizer, loss_fn):
        inputs, targets = batch
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()
        self.step_count += 1
        if self.step_count % 10 == 0:
            predicted = outputs.max(dim=1)[0]  # the bug: [1] holds the class indices
            wrong_acc = (predicted == targets).float().mean().item()
            log.info("step %d loss %.3f acc %.3f", self.step_count, loss.item(), wrong_acc)
        return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    train_loader = DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model, "train_step": Trainer(),
            "train_data": train_loader,
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
