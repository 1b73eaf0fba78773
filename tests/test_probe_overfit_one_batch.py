"""Probe `overfit-one-batch`: the shape of the loss curve on one batch, with the subject's own step."""
from __future__ import annotations

import time

import pytest

from judged import shape
import torch
import torch.nn as nn
import torch.nn.functional as F
from zoo.context import run
from zoo.faults import negated_cross_entropy, zero_grad_after_backward
from zoo.steps import scripted
from zoo.subjects import adam, digits_cnn, digits_mlp, regression_mlp, sgd

from dldoctor.probes.overfit_one_batch import HOLD, MAX_STEPS


def findings(subject):
    return run("overfit-one-batch", subject).findings


@pytest.mark.parametrize("make", [digits_mlp, digits_cnn, regression_mlp])
def test_healthy_models_memorise_one_batch(make):
    t0 = time.perf_counter()
    f = findings(make())
    print(f"overfit-one-batch on {make.__name__}: {time.perf_counter() - t0:.3f}s {f}")
    # Adam 1e-3 gets a 64-sample batch under 0.1x its start in 80-170 steps; the run stops once the
    # error has stayed there for 10 steps, before the 300-step cap
    assert shape("overfit-one-batch", f) == "converges" and f["final_ratio"] < 0.1 and f["nonfinite_step"] is None
    assert f["steps"] < MAX_STEPS


def test_label_smoothing_converges_to_its_floor():
    f = findings(digits_mlp(loss_fn=nn.CrossEntropyLoss(label_smoothing=0.1)))
    assert shape("overfit-one-batch", f) == "converges"  # raw loss stays ~0.25 x its start: the smoothed labels' entropy


def test_a_negated_loss_makes_the_error_go_up():
    f = findings(digits_mlp(loss_fn=negated_cross_entropy))
    # the optimizer lowers -CE by raising CE: the error grows without bound
    assert shape("overfit-one-batch", f) == "goes-up" and f["final_ratio"] > 2


@pytest.mark.parametrize("opt", [adam(10), sgd(10)])
def test_a_learning_rate_of_10_explodes(opt):
    assert shape("overfit-one-batch", findings(digits_mlp(optimizer=opt))) == "explodes"


def test_a_nan_loss_explodes_at_its_step():
    f = findings(digits_mlp(loss_fn=lambda o, t: F.cross_entropy(o, t) + torch.log(o.mean() - 1e3)))
    assert shape("overfit-one-batch", f) == "explodes" and f["nonfinite_step"] == 0


def test_zero_grad_between_backward_and_step_plateaus():
    f = findings(digits_mlp(train_step=zero_grad_after_backward))
    assert shape("overfit-one-batch", f) == "plateaus" and f["final_ratio"] == pytest.approx(1.0)


def test_a_tiny_learning_rate_plateaus():
    f = findings(digits_mlp(optimizer=adam(1e-6)))
    assert shape("overfit-one-batch", f) == "plateaus" and f["final_ratio"] > 0.95


def test_the_run_stops_once_converged_for_hold_steps():
    f = findings(digits_mlp(train_step=scripted([2.3] + [0.1] * 300)))
    assert shape("overfit-one-batch", f) == "converges" and f["steps"] == 1 + HOLD


def test_a_relapse_after_a_near_zero_dip_is_not_cut_short():
    # gradients mixed across calls: near zero for a few steps, then a blow-up (as without zero_grad)
    f = findings(digits_mlp(train_step=scripted([2.3, 1.0] + [0.01] * (HOLD - 2) + [50.0] + [2.0] * MAX_STEPS)))
    assert shape("overfit-one-batch", f) == "explodes" and f["steps"] == MAX_STEPS


def test_a_curve_that_exploded_is_not_stopped_when_it_settles_low():
    # raw pixels: a huge first step, then dead units far below the first loss; the whole curve is read
    f = findings(digits_mlp(train_step=scripted([2.3, 500.0] + [0.1] * MAX_STEPS)))
    assert shape("overfit-one-batch", f) == "explodes" and f["steps"] == MAX_STEPS


def test_deterministic():
    assert findings(digits_mlp(optimizer=adam(0.3))) == findings(digits_mlp(optimizer=adam(0.3)))


@pytest.mark.parametrize("args, curve", [
    ((0.02, 1.0, 0.05, 0.1, False, False), "converges"),
    ((0.5, 1.0, 0.05, 0.1, False, False), "decreasing"),
    ((0.95, 1.0, 0.05, 0.1, False, False), "plateaus"),
    ((0.5, 1.2, 0.45, 0.3, False, False), "oscillates"),  # swings dominate
    ((0.9, 3.0, 0.1, 0.05, False, False), "oscillates"),  # overshot then stuck
    ((0.5, 1.0, 0.45, 0.02, False, False), "decreasing"),  # noisy (dropout) but small swings
    ((2.0, 2.0, 0.6, 0.05, False, False), "goes-up"),
    ((1.2, 1.2, 1.0, 0.05, False, True), "goes-up"),  # flipped sign
    ((0.9, 50.0, 0.3, 1.0, False, False), "explodes"),
    ((0.9, 1.0, 0.0, 0.0, True, False), "explodes"),
])
def test_thresholds(args, curve):
    """The KB's decision list (kb/symptoms/overfit-one-batch.yaml) on the numbers the probe reports:
    each row sits near a threshold, so moving one in the YAML fails a row."""
    final, peak, share, amplitude, nonfinite, flipped = args
    f = {"final_ratio": final, "peak_ratio": peak, "oscillation": share, "rise_amplitude": amplitude,
         "nonfinite": nonfinite, "nonfinite_step": 3 if nonfinite else None, "loss_sign": -1.0 if flipped else 1.0}
    assert shape("overfit-one-batch", f) == curve
