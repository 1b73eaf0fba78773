"""Probe `regularization`: the settings, and whether they stop a single-batch fit."""
from __future__ import annotations

import time

import pytest
import torch
import torch.nn as nn
from zoo.context import run
from zoo.models import mlp
from zoo.subjects import digits_cnn, digits_mlp, regression_mlp

optim = torch.optim


def findings(subject):
    return run("regularization", subject).findings


def test_no_regularization_reads_zero_and_ratio_one():
    assert findings(digits_mlp()) == {"weight_decay": 0.0, "max_dropout": 0.0, "reg_fit_ratio": 1.0}


# Usual settings cost a few percent of the initial loss at most: the ratio stays under ~2
# (dropout 0.2 reads ~1.3, AdamW 0.01-0.05 ~1.0); 3 separates them from the faults below (5-10).
@pytest.mark.parametrize("make", [
    lambda: digits_mlp(model=mlp(depth=1, dropout=0.2), optimizer=lambda p: optim.AdamW(p, lr=1e-3, weight_decay=0.01)),
    lambda: digits_cnn(optimizer=lambda p: optim.AdamW(p, lr=1e-3, weight_decay=0.05)),
    lambda: regression_mlp(optimizer=lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4)),
], ids=["mlp-dropout-0.2-adamw-0.01", "cnn-adamw-0.05", "regression-sgd-wd-5e-4"])
def test_usual_regularization_barely_slows_the_fit(make):
    t0 = time.perf_counter()
    f = findings(make())
    print(f"regularization: {time.perf_counter() - t0:.3f}s {f}")
    assert f["reg_fit_ratio"] < 2


@pytest.mark.parametrize("make", [
    lambda: digits_mlp(model=mlp(depth=1, dropout=0.9)),
    lambda: digits_mlp(optimizer=lambda p: optim.Adam(p, lr=1e-3, weight_decay=1.0)),
    lambda: regression_mlp(optimizer=lambda p: optim.SGD(p, lr=0.1, weight_decay=1.0)),
], ids=["dropout-0.9", "adam-l2-1.0", "regression-sgd-wd-1.0"])
def test_heavy_regularization_stops_the_fit(make):
    assert findings(make())["reg_fit_ratio"] > 3


def test_the_largest_settings_are_read():
    model = nn.Sequential(nn.Linear(64, 64), nn.Dropout(0.1), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 10))
    s = digits_mlp(model=model, optimizer=lambda p: optim.SGD([{"params": model[0].parameters(), "weight_decay": 1e-4},
                                                           {"params": model[4].parameters(), "weight_decay": 0.0}], lr=0.1))
    f = findings(s)
    assert (f["weight_decay"], f["max_dropout"]) == (1e-4, 0.3)


def test_deterministic():
    assert findings(digits_mlp(model=mlp(depth=1, dropout=0.5))) == findings(digits_mlp(model=mlp(depth=1, dropout=0.5)))
