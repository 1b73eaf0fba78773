"""A train_step that saves a checkpoint and appends to a log beside the target (as real scripts do)."""
from pathlib import Path

import torch

from hostile_base import setup

HERE = Path(__file__).resolve().parent


def step(model, batch, optimizer, loss_fn):
    x, y = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    torch.save(model.state_dict(), HERE / "checkpoint.pt")
    with open(HERE / "train.log", "a") as f:
        f.write(f"{loss.item():.4f}\n")
    return loss


def subject():
    return setup(train_step=step)
