"""Source: https://github.com/AnubhavGupta3377/Text-Classification-Models-Pytorch/issues/9 ("only softmax is
provided in model.py therefore, the loss is always negative")

The text classifier ends in softmax and trains with nn.NLLLoss, which expects log-probabilities: the reported
loss is always negative and the model learns far less than it should.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab=100, dim=32, n_classes=4):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim)
        self.fc = nn.Linear(dim, n_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, tokens):
        return self.softmax(self.fc(self.emb(tokens)))


def make(n, rng):
    X = rng.integers(0, 100, size=(n, 20))
    y = np.argmax(np.stack([(X // 25 == k).sum(axis=1) for k in range(4)], axis=1), axis=1)
    return TensorDataset(torch.tensor(X), torch.tensor(y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": BagOfEmbeddings(), "train_data": DataLoader(make(1024, rng), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng), batch_size=128), "loss_fn": nn.NLLLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
