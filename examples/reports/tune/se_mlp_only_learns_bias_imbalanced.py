"""Source: https://datascience.stackexchange.com/questions/19283/why-mlp-only-learns-bias-for-unbalanced-binary-classification

88 % negatives, 12 % positives, weak features: after two epochs the MLP predicts "negative" for everything, the
confusion matrix never changes again, and making the layers wider does not help.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make(n, rng):
    y = (rng.random(n) < 0.116).astype(np.float32)
    X = rng.normal(size=(n, 12)).astype(np.float32)
    X[:, :3] += 0.6 * y[:, None]  # a weak signal in three features
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                          nn.Linear(8, 1))
    return {"model": model, "train_data": DataLoader(make(2000, rng), batch_size=64, shuffle=True),
            "val_data": DataLoader(make(600, rng), batch_size=200), "loss_fn": nn.BCEWithLogitsLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
