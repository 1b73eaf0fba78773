"""Probe `lr-range`: the configured learning rate against the range test's best rate."""
from __future__ import annotations

import time

import pytest

from judged import holds
import torch
from zoo.context import run
from zoo.faults import zero_grad_after_backward
from zoo.steps import scripted
from zoo.subjects import adam, digits_cnn, digits_mlp, sgd


def findings(subject):
    return run("lr-range", subject).findings


# The sweep finds best rates around 1e-2 for Adam and 1e-1 for SGD on these models (min-loss / 10).
# The SPEC's bands: log10 ratio above ~1 too high, below ~-1.5 too low.
@pytest.mark.parametrize("make", [lambda: digits_mlp(), lambda: digits_mlp(optimizer=sgd(0.1)), lambda: digits_cnn()],
                         ids=["mlp-adam-1e-3", "mlp-sgd-0.1", "cnn-adam-1e-3"])
def test_healthy_rates_sit_inside_the_band(make):
    t0 = time.perf_counter()
    f = findings(make())
    print(f"lr-range: {time.perf_counter() - t0:.3f}s {f}")
    assert -1.5 < f["log10_lr_ratio"] < 1
    assert holds("lr-range", f, "lr-configured-diverges") is not True


@pytest.mark.parametrize("opt", [adam(10), sgd(10)], ids=["adam", "sgd"])
def test_a_rate_of_10_is_too_high(opt):
    f = findings(digits_mlp(optimizer=opt))
    assert f["configured_lr"] == 10 and f["log10_lr_ratio"] > 1


def test_adam_at_10_is_past_the_divergence_point():
    f = findings(digits_mlp(optimizer=adam(10)))
    assert holds("lr-range", f, "lr-configured-diverges") is True and f["diverge_lr"] < 10


def test_adam_at_1e_6_is_too_low():
    assert findings(digits_mlp(optimizer=adam(1e-6)))["log10_lr_ratio"] < -1.5


def test_a_step_that_never_updates_has_no_best_rate():
    f = findings(digits_mlp(train_step=zero_grad_after_backward))
    assert f["best_lr"] is None and f["log10_lr_ratio"] is None


def test_the_users_model_is_untouched_and_findings_deterministic():
    s = digits_mlp()
    before = [p.detach().clone() for p in s.model.parameters()]
    assert findings(s) == findings(s)
    assert all(torch.equal(a, b) for a, b in zip(before, s.model.parameters()))


def test_batches_of_different_difficulty_make_no_best_rate():
    # one hard batch in every cycle of 8 and nothing learned: the mean over a cycle cancels the
    # difference (an exponential average would dip between hard batches and find a "best" rate)
    f = findings(digits_mlp(train_step=scripted(([5.0] + [1.0] * 7) * 20)))
    assert f["best_lr"] is None and f["diverge_lr"] is None


def test_a_huge_noisy_first_cycle_is_not_a_divergence():
    # a badly initialised deep net: the first losses jump by 100x before the rate does anything
    first = [1e3, 9e4, 8e3, 2.5e3, 2e2, 1.4e2, 80.0, 92.0]
    f = findings(digits_mlp(train_step=scripted(first + [50.0] * 200)))
    assert f["diverge_lr"] is None and f["best_lr"] is not None
