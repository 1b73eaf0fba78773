"""Source: https://discuss.pytorch.org/t/lstm-change-batch-first-true-loss-does-not-decrease/62364

The reporter's recurrent classifier gets its sequences as (batch, seq, feature) from the DataLoader but the LSTM
is built without batch_first: it runs without any error, over the batch instead of over time, and the loss
hardly decreases.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class SeqClassifier(nn.Module):
    def __init__(self, n_features=4, hidden=32, n_classes=2):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden)  # batch_first left at False
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):               # x: (batch, seq, feature)
        out, _ = self.lstm(x)           # read as (seq=batch, batch=seq, hidden)
        return self.head(out[:, -1, :])  # "last time step": really the last element of the other axis


def make(n, rng):
    X = rng.normal(size=(n, 12, 4)).astype(np.float32)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": SeqClassifier(), "train_data": DataLoader(make(768, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
