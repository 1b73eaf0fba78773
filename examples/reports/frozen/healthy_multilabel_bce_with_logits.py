"""Healthy control: multi-label tagging with multi-hot float targets and BCEWithLogitsLoss (one independent
sigmoid per tag), the correct twin of the multi-hot-into-CrossEntropyLoss report.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make(n, rng, W):
    X = rng.normal(size=(n, 20)).astype(np.float32)
    Y = ((X @ W) > 0.6).astype(np.float32)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(20, 8)).astype(np.float32) / 3
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 8))
    return {"model": model, "train_data": DataLoader(make(1024, rng, W), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(256, rng, W), batch_size=128), "loss_fn": nn.BCEWithLogitsLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
