"""Probe `loss-at-init`: the first loss against an uninformed prediction's loss."""
from __future__ import annotations

import math
import time

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from judged import holds
from zoo.context import run
from zoo.data import digits, loader, regression
from zoo.faults import negated_cross_entropy
from zoo.models import mlp
from zoo.subjects import digits_cnn, digits_mlp, regression_mlp


def findings(subject):
    f = dict(run("loss-at-init", subject).findings)
    f["loss_negative"] = holds("loss-at-init", f, "init-loss-negative")  # the KB's judgement (kb/symptoms/loss-at-init.yaml)
    return f


@pytest.mark.parametrize("make", [digits_mlp, digits_cnn, regression_mlp])
def test_healthy_models_start_near_the_uninformed_loss(make):
    t0 = time.perf_counter()
    f = findings(make())
    print(f"loss-at-init on {make.__name__}: {time.perf_counter() - t0:.3f}s {f}")
    # default init gives small logits / outputs: within ~30% of ln C or of the targets' variance
    assert 0.8 < f["init_loss_ratio"] < 1.3
    assert f["loss_negative"] is False


def test_cross_entropy_expects_ln_c_also_through_a_plain_function():
    f = findings(digits_mlp(loss_fn=lambda o, t: F.cross_entropy(o, t)))
    assert f["expected_loss"] == pytest.approx(math.log(10), rel=1e-6)


def test_bce_expects_ln_2():
    x, y = digits()
    f = findings(digits_mlp(model=mlp(n_out=1, depth=1), y=(y[:, None] > 4).float(), loss_fn=nn.BCEWithLogitsLoss()))
    assert f["expected_loss"] == pytest.approx(math.log(2), rel=1e-6)
    assert 0.8 < f["init_loss_ratio"] < 1.3


def test_a_negated_loss_has_a_negative_ratio():
    f = findings(digits_mlp(loss_fn=negated_cross_entropy))
    assert f["loss_negative"] is True
    assert f["init_loss_ratio"] == pytest.approx(-1, abs=0.3)  # the same magnitude as ln C, negated


def test_an_overconfident_last_layer_starts_far_above_ln_c():
    s = digits_mlp()
    with torch.no_grad():
        s.model[-1].weight.mul_(30)  # logits with std ~3 instead of ~0.1: confident and mostly wrong
    f = findings(s)
    # random logits of std s cost about ln C + s^2/2 (capped by their spread): ~2x ln C at s = 3
    assert f["init_loss_ratio"] > 1.5 and f["output_std"] > 2


def test_unscaled_regression_targets_start_far_above_their_variance():
    x, y = regression()
    s = regression_mlp()
    s.train_data = loader(x, y * 10 + 50, shuffle=False)
    f = findings(s)
    assert f["init_loss_ratio"] > 10  # (50^2 + 100) / 100: the outputs start near 0, the targets at 50


def test_deterministic():
    assert findings(digits_mlp()) == findings(digits_mlp())
