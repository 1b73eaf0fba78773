"""Source: https://discuss.pytorch.org/t/how-exactly-should-i-understand-the-cross-entropy-loss-function/61183

A continuous-bag-of-words model gets its target word as a one-hot vector of dtype long
(torch.tensor(y, dtype=torch.long)); CrossEntropyLoss refuses the target and the training loop never starts.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

VOCAB = 200


class CBOW(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 32)
        self.proj = nn.Linear(32, VOCAB)

    def forward(self, context):
        return self.proj(self.emb(context).mean(dim=1))


def make(n, rng):
    centre = rng.integers(0, VOCAB, size=n)
    context = (centre[:, None] + rng.integers(-2, 3, size=(n, 4))) % VOCAB
    onehot = np.zeros((n, VOCAB))
    onehot[np.arange(n), centre] = 1
    return TensorDataset(torch.tensor(context), torch.tensor(onehot, dtype=torch.long))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"model": CBOW(), "train_data": DataLoader(make(2048, rng), batch_size=64, shuffle=True),
            "loss_fn": nn.CrossEntropyLoss(), "optimizer": lambda p: torch.optim.SGD(p, lr=0.1)}
