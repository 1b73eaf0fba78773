"""Small subjects for the implement-and-debug probes' tests: healthy ones and ways to break them.

- ``digits_mlp``: an MLP on sklearn's 8x8 digits (64 features, 10 classes), CrossEntropyLoss, Adam 1e-3;
- ``digits_cnn``: a small CNN on the same digits as 1x8x8 images;
- ``regression_mlp``: an MLP on a generated smooth regression problem, standardised targets, MSELoss.
Keyword arguments change one thing (the loss, the optimizer, the model, the data) to inject a fault.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dldoctor.expert.subject import Subject  # noqa: E402
from dldoctor.probes.context import ProbeContext  # noqa: E402


@lru_cache(maxsize=1)
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return torch.tensor(d.data / 16.0, dtype=torch.float32), torch.tensor(d.target, dtype=torch.long)


def loader(x, y, batch_size=64):
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)


def adam(lr=1e-3, **kw):
    return lambda params: torch.optim.Adam(params, lr=lr, **kw)


def mlp(n_in=64, n_out=10, hidden=64, dropout=0.0, head=None, seed=0):
    torch.manual_seed(seed)  # the same weights whenever the same model is asked for
    layers = [nn.Linear(n_in, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(hidden, n_out)] + ([head] if head is not None else [])
    return nn.Sequential(*layers)


def digits_mlp(seed=0, model=None, loss_fn=None, optimizer=None, x=None, y=None, batch_size=64, **kw) -> Subject:
    torch.manual_seed(seed)
    dx, dy = digits()
    x = dx if x is None else x
    y = dy if y is None else y
    return Subject(model=model if model is not None else mlp(seed=seed), train_data=loader(x, y, batch_size),
                   loss_fn=loss_fn if loss_fn is not None else nn.CrossEntropyLoss(),
                   optimizer=optimizer if optimizer is not None else adam(), **kw)


class SmallCNN(nn.Module):
    def __init__(self, flatten=True):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.flatten = flatten
        self.head = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        h = self.features(x)
        return self.head(h.flatten(1) if self.flatten else h)


def digits_cnn(seed=0, flatten=True, **kw) -> Subject:
    torch.manual_seed(seed)
    x, y = digits()
    return Subject(model=SmallCNN(flatten), train_data=loader(x.view(-1, 1, 8, 8), y), loss_fn=nn.CrossEntropyLoss(),
                   optimizer=kw.pop("optimizer", adam()), **kw)


@lru_cache(maxsize=1)
def regression_data(n=512, d=8):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, d, generator=g)
    y = torch.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] + 0.1 * torch.randn(n, generator=g)
    return x, ((y - y.mean()) / y.std()).unsqueeze(1)


def regression_mlp(seed=0, targets_1d=False, loss_fn=None, optimizer=None, **kw) -> Subject:
    torch.manual_seed(seed)
    x, y = regression_data()
    y = y.squeeze(1) if targets_1d else y
    return Subject(model=mlp(8, 1, seed=seed), train_data=loader(x, y), loss_fn=loss_fn if loss_fn is not None else nn.MSELoss(),
                   optimizer=optimizer if optimizer is not None else adam(), task="regression", **kw)


@lru_cache(maxsize=1)
def kb_patterns() -> list:
    import yaml

    from dldoctor.expert.schema import PatternsFile

    data = yaml.safe_load((ROOT / "kb" / "patterns.yaml").read_text())
    return [(p.kind, p.regex) for p in PatternsFile(**data).patterns]


def ctx(seed=0) -> ProbeContext:
    return ProbeContext(seed=seed, patterns=kb_patterns())


def run(probe_id: str, subject, seed=0) -> dict:
    """run_probe with the KB's patterns; fails the test when the probe itself failed."""
    from dldoctor.probes.run import run_probe

    result = run_probe(probe_id, subject, ctx(seed))
    assert result.status == "ok", result.message
    return result
