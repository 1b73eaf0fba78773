"""Healthy control: AdamW with a linear warmup then cosine decay, stepped inside the user's train_step, as in
most transformer-era training scripts (e.g. Hugging Face's get_cosine_schedule_with_warmup).

A digits MLP; the schedule starts at 1 % of the peak rate and ramps up over the first 30 steps.
"""
import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

WARMUP, TOTAL = 30, 600


def make_step():
    state = {"step": 0, "sched": None}

    def lr_lambda(step):
        if step < WARMUP:
            return 0.01 + 0.99 * step / WARMUP
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - WARMUP) / (TOTAL - WARMUP))))

    def train_step(model, batch, optimizer, loss_fn):
        sched = state["sched"]
        if sched is None or sched.optimizer is not optimizer:
            sched = state["sched"] = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
        x, t = batch
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        sched.step()
        return loss.item()

    return train_step


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.GELU(), nn.Linear(128, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": make_step(), "optimizer": lambda p: torch.optim.AdamW(p, lr=2e-3, weight_decay=0.01)}
