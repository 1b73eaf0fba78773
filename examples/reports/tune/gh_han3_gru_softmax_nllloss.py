"""Source: https://github.com/pandeykartikey/Hierarchical-Attention-Network/issues/3 ("If you are using NLLLoss
from pytorch make sure to use the log_softmax function ... and not softmax")

An attention GRU document classifier whose last layer is F.softmax, trained with NLLLoss: the loss is negative
and the classifier hardly gets better than the majority class.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class AttnGRU(nn.Module):
    def __init__(self, vocab=80, dim=24, n_classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.att = nn.Linear(dim, 1)
        self.out = nn.Linear(dim, n_classes)

    def forward(self, tokens):
        h, _ = self.gru(self.emb(tokens))
        w = torch.softmax(self.att(h), dim=1)
        return F.softmax(self.out((w * h).sum(dim=1)), dim=1)


def make(n, rng):
    X = rng.integers(0, 80, size=(n, 15))
    y = (X[:, :3].sum(axis=1) // 40) % 3
    return TensorDataset(torch.tensor(X), torch.tensor(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": AttnGRU(), "train_data": DataLoader(make(768, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng), batch_size=128), "loss_fn": nn.NLLLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=2e-3)}
