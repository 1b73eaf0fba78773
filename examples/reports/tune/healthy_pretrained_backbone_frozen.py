"""Healthy control: transfer learning done right. A small CNN backbone is first trained on one task (digits 0-4),
then frozen, and a new head is trained on the other task (digits 5-9); freezing a *trained* backbone is good
practice, the look-alike of the frozen-random-backbone reports.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def pretrain(backbone, X, y, steps=200):
    head = nn.Linear(512, 5)
    opt = torch.optim.Adam(list(backbone.parameters()) + list(head.parameters()), lr=2e-3)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        idx = torch.randint(0, len(X), (64,), generator=g)
        opt.zero_grad()
        nn.functional.cross_entropy(head(backbone(X[idx])), y[idx]).backward()
        opt.step()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X / 16.0).reshape(-1, 1, 8, 8), dtype=torch.float32)
    y = torch.tensor(y)
    source, target = y < 5, y >= 5
    backbone = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(4), nn.Flatten())
    pretrain(backbone, X[source], y[source])
    backbone.requires_grad_(False)
    model = nn.Sequential(backbone, nn.Linear(512, 5))
    Xt, yt = X[target].numpy(), (y[target] - 5).numpy()
    X_tr, X_val, y_tr, y_val = train_test_split(Xt, yt, test_size=0.25, random_state=0, stratify=yt)
    ds = lambda a, b: TensorDataset(torch.from_numpy(np.ascontiguousarray(a)), torch.from_numpy(np.ascontiguousarray(b)))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam([q for q in p if q.requires_grad], lr=1e-3)}
