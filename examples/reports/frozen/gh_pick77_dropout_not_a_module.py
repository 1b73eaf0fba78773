"""Source: https://github.com/wenwenyu/PICK-pytorch/issues/77 ("last drop out may affect the validation result")

The encoder's last dropout is a functional call, not a module attribute, so model.eval() does not reach it and
validation runs with dropout on; validation scores move between two runs of the same checkpoint.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class TokenEncoder(nn.Module):
    def __init__(self, vocab=50, dim=32, n_classes=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, dim, 3, padding=1)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, tokens):
        h = self.drop(self.emb(tokens)).transpose(1, 2)
        h = torch.relu(self.conv(h)).mean(dim=2)
        h = F.dropout(h, 0.3)  # the last dropout: functional, training defaults to True
        return self.head(h)


def make(n, rng):
    X = rng.integers(0, 50, size=(n, 16))
    y = (X < 12).sum(axis=1) % 4
    return TensorDataset(torch.tensor(X), torch.tensor(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": TokenEncoder(), "train_data": DataLoader(make(1024, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng), batch_size=128), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=2e-3)}
