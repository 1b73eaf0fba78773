"""A model's error on a split, and a baseline's (probe support; imports torch).

Classification: 1 - accuracy.  The class is the argmax over dimension 1 of the outputs (the
cross-entropy convention, so (n, C) and (n, C, H, W) alike), against integer labels or one-hot /
probability rows; a single output per row (or multi-hot targets) is thresholded per element, at 0.5
when the outputs are probabilities (BCELoss, or all outputs in [0, 1] under an unknown loss), at 0
otherwise (logits).  Rows with a NaN/Inf output count as wrong.
Regression: mean squared error / variance of the training targets (1 - R^2 on one common scale, so
that differences between splits are differences of mean squared error).
"""
from __future__ import annotations

import math

MAX_ELEMENTS = 20_000_000  # output values kept per split


def collect(subject, loader, max_rows: int):
    """(outputs, targets) of the model in eval mode over the first ``max_rows`` rows of ``loader``."""
    import torch

    from dldoctor.probes import training

    model = subject.model
    device = training.model_device(model)
    outs, ys, n, size = [], [], 0, 0
    model.eval()
    with torch.no_grad():
        for inputs, targets in training.batches(loader, keys=training.keys_of(subject)):
            out = training.predictions(training.forward(subject, training.to_device(inputs, device)))
            if not torch.is_tensor(out):
                raise TypeError(f"the model's outputs are a {type(out).__name__}, not a tensor")
            outs.append(out.detach().float().cpu())
            ys.append(torch.as_tensor(targets).detach().cpu())
            n, size = n + len(out), size + out.numel()
            if n >= max_rows or size >= MAX_ELEMENTS:
                break
    if not outs:
        raise ValueError("the data yields no batches")
    return torch.cat(outs)[:max_rows], torch.cat(ys)[:max_rows]


def split_errors(subject, loaders: dict, max_rows: int, notes: list):
    """({split: error or None}, task) for the splits whose loader is set."""
    import torch

    from dldoctor.probes.loss_kind import identify
    from dldoctor.probes.task import task_of

    data = {s: collect(subject, loader, max_rows) for s, loader in loaders.items() if loader is not None}
    out, y = data["train"]
    task = task_of(subject, y.numpy()) or ("classification" if not y.is_floating_point() else "regression")
    kind = identify(subject.loss_fn, out, y)
    var = float(y.float().var(unbiased=False)) if task == "regression" else None
    errors = {s: None for s in loaders}
    for s, (o, t) in data.items():
        e = classification_error(o, t, kind.name if kind else None) if task == "classification" else regression_error(o, t, var)
        if e is None and not bool(torch.isfinite(o).all()):
            notes.append(f"no {s} error: the model's outputs are NaN/Inf")
        elif e is None:
            notes.append(f"no {s} error: outputs of shape {tuple(o.shape)} do not match targets of shape {tuple(t.shape)}")
        errors[s] = e
    return errors, task


def classification_error(out, y, kind: str | None) -> float | None:
    import torch

    bad = ~torch.isfinite(out).reshape(len(out), -1).all(1)
    if not y.is_floating_point() or (out.dim() >= 2 and out.shape[1] > 1 and y.shape == out.shape[:1] + out.shape[2:]):
        if out.dim() < 2 or out.shape[1] == 1:
            return _elementwise(out.reshape(-1), y.reshape(-1).float(), kind, bad)
        if y.shape != out.shape[:1] + out.shape[2:]:
            return None
        wrong = (out.argmax(1) != y.long()).reshape(len(out), -1).float()
        return float((wrong.mean(1) * ~bad + bad.float()).mean())
    if y.shape == out.shape and out.dim() == 2 and out.shape[1] > 1 and bool((y >= 0).all()) \
            and bool(torch.allclose(y.sum(1), torch.ones(len(y)), atol=1e-3)):
        wrong = (out.argmax(1) != y.argmax(1)).float()
        return float(torch.where(bad, torch.ones_like(wrong), wrong).mean())
    if y.numel() == out.numel():
        return _elementwise(out.reshape(len(out), -1), y.reshape(len(out), -1).float(), kind, bad)
    return None


def _elementwise(out, y, kind, bad) -> float:
    import torch

    probs = kind == "bce" or (kind is None and bool(((out >= 0) & (out <= 1)).all()))
    wrong = ((out > (0.5 if probs else 0.0)) != (y > 0.5)).float().reshape(len(out), -1).mean(1)
    return float(torch.where(bad, torch.ones_like(wrong), wrong).mean())


def regression_error(out, y, var) -> float | None:
    if y.numel() != out.numel():
        return None
    mse = float(((out.reshape(-1) - y.reshape(-1).float()) ** 2).mean())
    if not math.isfinite(mse):
        return None
    return mse / var if var and var > 0 else mse


def baseline_error(y_train, y_eval, task: str | None) -> float | None:
    """Majority class (mean) of ``y_train`` scored on ``y_eval`` (numpy arrays); None when unknown."""
    import numpy as np

    from dldoctor.probes.task import class_labels

    if task is None or y_train is None or y_eval is None or not len(y_train) or not len(y_eval):
        return None
    if task == "regression":
        var = float(np.var(y_train.astype(np.float64)))
        mse = float(np.mean((y_eval.astype(np.float64) - float(np.mean(y_train))) ** 2))
        return mse / var if var > 0 else None
    a, b = class_labels(y_train), class_labels(y_eval)
    if a is None or b is None:
        return None
    values, counts = np.unique(a, return_counts=True)
    return float(np.mean(b != values[counts.argmax()]))
