"""Healthy subjects, built the same way each time, and the optimizer factories they use.

Every builder takes keywords that replace one part (the model, the optimizer, the loss, the data) so
that a test - or a function of ``faults`` - can inject exactly one fault; other keywords go to Subject.

- ``digits_subject`` / ``cnn_subject`` / ``regression_subject``: the reference cases of the training-internals
  probes: the first 512 rows in order, optimizer instances (so a test can read their state);
- ``digits_mlp`` / ``digits_cnn`` / ``regression_mlp``: the implement-and-debug probes' calibration: every
  row, shuffled batches, a one-hidden-layer MLP or ``SmallCNN``, Adam 1e-3 as a factory;
- ``classifier`` / ``regressor``: an MLP over any (X, y) arrays, for the data probes.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dldoctor.expert.subject import Subject
from zoo.data import digits, loader, regression
from zoo.models import SmallCNN, cnn, mlp


def adam(lr: float = 1e-3, **kw):
    return lambda params: torch.optim.Adam(params, lr=lr, **kw)


def sgd(lr: float, **kw):
    return lambda params: torch.optim.SGD(params, lr=lr, **kw)


def digits_subject(model=None, *, lr: float = 1e-3, optimizer=None, loss_fn=None, x=None, y=None, rows: int | None = 512,
                   images: bool = False, shuffle: bool = False, batch_size: int = 64, seed: int = 0, **kw) -> Subject:
    """The reference healthy classifier: the 64-64-64-10 MLP on the first ``rows`` digits, CrossEntropyLoss,
    Adam at ``lr`` (an instance unless ``optimizer`` - an instance or a factory - is given)."""
    model = model if model is not None else (cnn(seed=seed) if images else mlp(seed=seed))
    dx, dy = digits(rows, images=images)
    x = dx if x is None else x
    y = dy if y is None else y
    return Subject(model=model, train_data=loader(x, y, batch_size, shuffle=shuffle, seed=seed),
                   loss_fn=loss_fn if loss_fn is not None else nn.CrossEntropyLoss(),
                   optimizer=optimizer if optimizer is not None else torch.optim.Adam(model.parameters(), lr=lr), **kw)


def cnn_subject(model=None, **kw) -> Subject:
    """The reference CNN (batch norm, 16 channels) on the first 512 digits as 1x8x8 images."""
    return digits_subject(model, images=True, **kw)


def regression_subject(model=None, *, lr: float = 1e-3, optimizer=None, loss_fn=None, targets_1d: bool = False,
                       shuffle: bool = False, seed: int = 0, **kw) -> Subject:
    """A regression MLP (8-32-32-1) on ``data.regression``, MSELoss, SGD at 10 x ``lr`` with momentum 0.9;
    ``targets_1d``: (n,) targets against (n, 1) outputs."""
    x, y = regression()
    y = y.squeeze(1) if targets_1d else y
    model = model if model is not None else mlp(8, 1, hidden=32, seed=seed)
    opt = optimizer if optimizer is not None else torch.optim.SGD(model.parameters(), lr=lr * 10, momentum=0.9)
    return Subject(model=model, train_data=loader(x, y, shuffle=shuffle, seed=seed),
                   loss_fn=loss_fn if loss_fn is not None else nn.MSELoss(), optimizer=opt, task="regression", **kw)


def digits_mlp(model=None, *, lr: float = 1e-3, optimizer=None, seed: int = 0, **kw) -> Subject:
    """A one-hidden-layer MLP (64-64-10) on all digits, shuffled, Adam at ``lr`` as a factory."""
    model = model if model is not None else mlp(depth=1, seed=seed)
    return digits_subject(model, optimizer=optimizer if optimizer is not None else adam(lr), rows=None, shuffle=True,
                          seed=seed, **kw)


def digits_cnn(flatten: bool = True, *, lr: float = 1e-3, optimizer=None, seed: int = 0, **kw) -> Subject:
    """``SmallCNN`` on all digits as images, shuffled, Adam at ``lr`` as a factory."""
    return digits_subject(SmallCNN(flatten, seed=seed), optimizer=optimizer if optimizer is not None else adam(lr),
                          rows=None, images=True, shuffle=True, seed=seed, **kw)


def regression_mlp(model=None, *, lr: float = 1e-3, optimizer=None, seed: int = 0, **kw) -> Subject:
    """A one-hidden-layer regression MLP (8-64-1), shuffled, Adam at ``lr`` as a factory."""
    model = model if model is not None else mlp(8, 1, depth=1, seed=seed)
    return regression_subject(model, optimizer=optimizer if optimizer is not None else adam(lr), shuffle=True, seed=seed,
                              **kw)


def _eval_loaders(val, test):
    return dict(val_data=None if val is None else loader(*val, shuffle=False, x_dtype=torch.float32),
                test_data=None if test is None else loader(*test, shuffle=False, x_dtype=torch.float32))


def classifier(X, y, val=None, test=None, *, x_dtype=torch.float32, **loader_kw) -> Subject:
    """An MLP (one hidden layer of 32) with CrossEntropyLoss and Adam 1e-3 over (X, y) arrays; val and
    test are (X, y) pairs (float32 inputs); ``x_dtype`` and ``loader_kw`` (shuffle, batch_size, seed) shape the
    training loader."""
    return Subject(model=mlp(X.shape[1], int(np.max(y)) + 1, hidden=32, depth=1),
                   train_data=loader(X, y, x_dtype=x_dtype, **loader_kw), loss_fn=nn.CrossEntropyLoss(),
                   optimizer=adam(), **_eval_loaders(val, test))


def regressor(X, y, val=None, test=None, *, x_dtype=torch.float32, **loader_kw) -> Subject:
    """An MLP (one hidden layer of 32) with MSELoss over (X, y) arrays, the optimizer left to the probes."""
    return Subject(model=mlp(X.shape[1], y.shape[1], hidden=32, depth=1),
                   train_data=loader(X, y, x_dtype=x_dtype, **loader_kw), loss_fn=nn.MSELoss(),
                   **_eval_loaders(val, test))
