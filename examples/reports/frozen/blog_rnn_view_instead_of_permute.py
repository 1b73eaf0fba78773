"""Source: https://taourl.com/read-2624309.html ("batch_first=False ... while incorrectly reshaping input
tensors", RNN loss does not decrease)

The sequences arrive as (batch, seq, feature); to feed a sequence-first GRU the code calls x.view(seq, batch,
feature) instead of x.transpose(0, 1). No error: the examples of the batch are interleaved and training stalls.
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
        b, t, f = x.shape
        out, h = self.rnn(x.view(t, b, f))  # interleaves examples; transpose(0, 1) was meant
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
            "optimizer": lambda p: torch.optim.Adam(p, lr=2e-3)}
