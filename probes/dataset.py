"""The user's data as rows: read a split's loader as is into (X, y) arrays, capped, cached per split.

Data probes (class balance, label alignment, leakage, shift) look at rows, not at the model, so each
split is read once per worker and shared through ``ctx.cache``.  Inputs are flattened per row to
float32; targets keep their values (one column per row, or several for one-hot/multi-output).
Reading stops at ``max_rows`` or at a memory cap (bounds in rows, so any machine reads the same
rows); ``Rows.complete`` says whether the whole split was read.  ``seconds`` is a safety net only: a
loader that takes longer makes the split unreadable (the probe says so), it never shortens the read.
"""
from __future__ import annotations

import time
from typing import NamedTuple

MAX_ROWS = 50_000
MAX_BYTES = 256 * 2**20  # inputs kept in memory per split
SECONDS = 15.0
SPLITS = ("train", "val", "test")


class DataUnreadable(Exception):
    """The split cannot be read as rows (inputs that are not arrays, ragged rows, a one-shot iterator)."""


class Rows(NamedTuple):
    X: "object"  # np.ndarray (n, d) float32
    y: "object"  # np.ndarray (n,) or (n, k); None when batches have no usable targets
    complete: bool  # the whole split was read


def as_array(value, what: str):
    """A batch's inputs or targets as a numpy array (tensors, arrays, numbers, lists)."""
    import numpy as np
    import torch

    if torch.is_tensor(value):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.numpy()
    if isinstance(value, np.ndarray):
        return value
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise DataUnreadable(f"the batch {what} are a {type(value).__name__}, not an array") from exc
    if arr.dtype == object:
        raise DataUnreadable(f"the batch {what} are a {type(value).__name__}, not an array")
    return arr


def reiterable(loader) -> bool:
    """False for one-shot iterators (generators): reading them would consume the user's data."""
    from collections.abc import Iterator

    return not isinstance(loader, Iterator)


def collect(loader, max_rows: int = MAX_ROWS, seconds: float = SECONDS):
    """(X, y) from the first rows of ``loader``; see ``read`` for the full answer."""
    rows = read(loader, max_rows, seconds)
    return rows.X, rows.y


def read(loader, max_rows: int = MAX_ROWS, seconds: float = SECONDS) -> Rows:
    import numpy as np

    if not reiterable(loader):
        raise DataUnreadable("the data is a one-shot iterator; it cannot be read without consuming it")
    xs, ys, n, cap = [], [], 0, max_rows
    t_end = time.monotonic() + seconds
    complete = True
    for inputs, targets in _pairs(loader):
        x = as_array(inputs, "inputs")
        if x.ndim == 0:
            raise DataUnreadable("the batch inputs are a scalar, not a batch of rows")
        x = x.reshape(len(x), -1).astype(np.float32, copy=False)
        if xs and x.shape[1] != xs[0].shape[1]:
            raise DataUnreadable(f"rows have {xs[0].shape[1]} then {x.shape[1]} values: inputs vary in size across batches")
        if not xs:
            cap = max(1, min(max_rows, MAX_BYTES // max(1, 4 * x.shape[1])))
        t = as_array(targets, "targets")
        t = t.reshape(len(t), -1) if t.ndim > 1 else t.reshape(-1)
        if len(t) != len(x):
            t = None
        xs.append(x)
        ys.append(t)
        n += len(x)
        if n >= cap:
            complete = False
            break
        if time.monotonic() > t_end:
            raise DataUnreadable(f"reading {n} rows took more than {seconds:.0f} s")
    if not xs:
        raise DataUnreadable("the data yields no batches")
    X = np.concatenate(xs)[:cap]
    y = None
    if all(t is not None for t in ys) and len({t.shape[1:] for t in ys}) == 1:
        y = np.concatenate(ys)[: len(X)]
    return Rows(X, y, complete)


def _pairs(loader):
    """(inputs, targets) per batch; a batch of another shape makes the split unreadable."""
    from dldoctor.probes.training import split

    for batch in loader:
        try:
            yield split(batch)
        except TypeError as exc:
            raise DataUnreadable(str(exc)) from exc


def loader_of(subject, split: str):
    return {"train": subject.train_data, "val": subject.val_data, "test": subject.test_data}[split]


def rows(subject, ctx, split: str = "train", max_rows: int = MAX_ROWS) -> Rows:
    """The rows of one split, read once per worker (cached in ``ctx.cache``)."""
    key = ("dataset.rows", split)
    cached, asked = ctx.cache.get(key, (None, 0))
    if cached is not None and (cached.complete or asked >= max_rows):
        if len(cached.X) <= max_rows:
            return cached
        return Rows(cached.X[:max_rows], None if cached.y is None else cached.y[:max_rows], False)
    loader = loader_of(subject, split)
    if loader is None:
        raise DataUnreadable(f"the subject has no {split}_data")
    got = read(loader, max_rows, SECONDS)
    ctx.cache[key] = (got, max_rows)
    return got


def eval_splits(subject) -> list[str]:
    """The evaluation splits the subject has, in order."""
    return [s for s in ("val", "test") if loader_of(subject, s) is not None]


def subsample(n: int, k: int, seed: int):
    """Indices of ``k`` of ``n`` rows (all when n <= k), drawn with a private RNG, sorted."""
    import numpy as np

    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
