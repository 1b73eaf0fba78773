"""Healthy control: a small LSTM sequence classifier built with batch_first=True and fed (batch, seq, feature), the
final hidden state into a linear head; the look-alike of the batch_first reports.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class SeqClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 32, batch_first=True)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def make(n, rng):
    X = rng.normal(size=(n, 12, 4)).astype(np.float32)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": SeqClassifier(), "train_data": DataLoader(make(768, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=3e-3)}
