"""Regression on a list of batches, no val_data: tune holds out every fifth batch and reports val_loss."""
import torch
from torch import nn


def subject():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(320, 4, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]]) + 0.1 * torch.randn(320, 1, generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    return {
        "model": model,
        "train_data": [(x[i:i + 32], y[i:i + 32]) for i in range(0, 320, 32)],
        "loss_fn": nn.MSELoss(),
        "optimizer": torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01),
    }
