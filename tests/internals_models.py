"""Small models, data and subjects shared by the tests of the training-internals probes.

grad-flow, train-step-audit, activations, numerics, memory and the no-trace test build their healthy
and faulty subjects from here: an MLP on sklearn's digits, a small CNN on the 8x8 digit images and a
regression MLP, plus a few builders for user-written train steps.
"""
from __future__ import annotations

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dldoctor.expert.subject import Subject
from dldoctor.probes.context import ProbeContext


def digits(n: int = 512, images: bool = False):
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x[:n] / 16.0, dtype=torch.float32)
    if images:
        x = x.reshape(-1, 1, 8, 8)
    return x, torch.tensor(y[:n], dtype=torch.long)


def loader(x, y, batch_size: int = 64, shuffle: bool = False):
    g = torch.Generator().manual_seed(0)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=g)


def mlp(hidden: int = 64, dropout: float = 0.0, act=nn.ReLU, n_in: int = 64, n_out: int = 10) -> nn.Module:
    torch.manual_seed(0)
    layers = [nn.Linear(n_in, hidden), act()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(hidden, hidden), act(), nn.Linear(hidden, n_out)]
    return nn.Sequential(*layers)


def cnn(batchnorm: bool = True, width: int = 16) -> nn.Module:
    torch.manual_seed(0)
    norm = [nn.BatchNorm2d(width)] if batchnorm else []
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), *norm, nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(2 * width, 10),
    )


def digits_subject(model=None, lr: float = 1e-3, **kw) -> Subject:
    """The reference healthy case: an MLP on digits, CrossEntropyLoss, Adam 1e-3."""
    model = model if model is not None else mlp()
    x, y = digits()
    opt = kw.pop("optimizer", None) or torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = kw.pop("loss_fn", None) or nn.CrossEntropyLoss()
    return Subject(model=model, train_data=loader(x, y), loss_fn=loss_fn, optimizer=opt, **kw)


def cnn_subject(model=None, lr: float = 1e-3, **kw) -> Subject:
    model = model if model is not None else cnn()
    x, y = digits(images=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return Subject(model=model, train_data=loader(x, y), loss_fn=nn.CrossEntropyLoss(), optimizer=opt, **kw)


def regression_subject(model=None, lr: float = 1e-3, **kw) -> Subject:
    """A regression MLP: y = sum of sines of 8 features plus noise, MSE, SGD with momentum."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(512, 8, generator=g)
    y = torch.sin(x).sum(1, keepdim=True) + 0.1 * torch.randn(512, 1, generator=g)
    model = model if model is not None else mlp(hidden=32, n_in=8, n_out=1)
    opt = torch.optim.SGD(model.parameters(), lr=lr * 10, momentum=0.9)
    return Subject(model=model, train_data=loader(x, y), loss_fn=nn.MSELoss(), optimizer=opt, task="regression", **kw)


def textbook_step(model, batch, optimizer, loss_fn):
    x, y = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def ctx(**kw) -> ProbeContext:
    return ProbeContext(seed=0, **kw)
