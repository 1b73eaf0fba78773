"""Healthy control: a sequence-first GRU (batch_first=False) with the DataLoader's (batch, seq, feature) input
transposed properly, x.transpose(0, 1); the correct twin of the view() report.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 32)
        self.head = nn.Linear(32, 3)

    def forward(self, x):
        out, h = self.rnn(x.transpose(0, 1))
        return self.head(h[-1])


def make(n, rng):
    X = rng.normal(size=(n, 10, 3)).astype(np.float32)
    y = np.argmax(X.mean(axis=1), axis=1).astype(np.int64)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": GRUClassifier(), "train_data": DataLoader(make(768, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=3e-3)}
