"""Adam at a learning rate far too low (1e-6) on a tiny digits MLP: nothing is learned in 300 steps."""
import torch
from torch import nn
from torch.utils.data import DataLoader

from sgd_too_hot import data


def subject():
    torch.manual_seed(0)
    train, val = data()
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return {
        "model": model,
        "train_data": DataLoader(train, batch_size=32, shuffle=True),
        "val_data": DataLoader(val, batch_size=256),
        "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": lambda p: torch.optim.Adam(p, lr=1e-6),
    }
