"""The zoo's data: sklearn's bundled digits and breast_cancer, two generated regressions, and a loader.

Everything is seeded and loaded once (lru_cache); each call hands out fresh arrays or tensors, so a test
that writes into its data (a NaN, a flipped label) cannot leak into the next.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


@lru_cache(maxsize=1)
def _digits_arrays():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X.flags.writeable = y.flags.writeable = False
    return X, y


def digits(n: int | None = None, images: bool = False, shuffled: bool = False):
    """(x, y) tensors: the first ``n`` of the 1797 digits (all by default) in sklearn's order, pixels scaled
    to 0..1 (float32), class labels (int64); ``images``: x shaped (n, 1, 8, 8); ``shuffled``: the rows in a
    fixed random order first (torch.randperm, seed 0), so that any slice holds every class."""
    X, y = _digits_arrays()
    if shuffled:
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0)).numpy()
        X, y = X[order], y[order]
    x = torch.tensor(X[:n] / 16.0, dtype=torch.float32)
    return (x.reshape(-1, 1, 8, 8) if images else x), torch.tensor(y[:n], dtype=torch.long)


def digits_raw(seed: int = 0):
    """(X, y) arrays: digits' pixels as sklearn holds them (0..16, float64), rows in a fixed random order."""
    X, y = _digits_arrays()
    order = np.random.default_rng(seed).permutation(len(y))
    return X[order], y[order]


@lru_cache(maxsize=1)
def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def breast_cancer():
    """(X, y) arrays: 569 rows, 30 features on wildly different scales, 212 malignant (0) : 357 benign (1)."""
    X, y = _breast_cancer()
    return X.copy(), y.copy()


@lru_cache(maxsize=4)
def _regression(n: int, d: int):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, d, generator=g)
    y = torch.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] + 0.1 * torch.randn(n, generator=g)
    return x, ((y - y.mean()) / y.std()).unsqueeze(1)


def regression(n: int = 512, d: int = 8):
    """(x, y) tensors: y = sin(x0) + 0.5 x1 x2 + noise, standardised, shaped (n, 1), float32."""
    x, y = _regression(n, d)
    return x.clone(), y.clone()


def regression_arrays(n: int = 1500, d: int = 8, seed: int = 0, noise: float = 0.1):
    """(X, y) arrays for the data probes: y = sin(x0) + x1 x2 + 0.5 x3 plus noise, float32, shaped (n, 1)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] + noise * rng.normal(size=n)).astype(np.float32)
    return X, y[:, None]


def loader(x, y, batch_size: int = 64, shuffle: bool = True, seed: int | None = 0, x_dtype=None):
    """A DataLoader over (x, y), tensors or arrays, shuffled by its own generator seeded ``seed`` (None: by
    torch's global RNG, as a plain DataLoader); ``x_dtype`` converts the inputs (arrays otherwise keep their
    dtype, float64 included)."""
    x = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x))
    y = y if torch.is_tensor(y) else torch.as_tensor(np.asarray(y))
    if x_dtype is not None:
        x = x.to(x_dtype)
    g = None if seed is None else torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=g)
