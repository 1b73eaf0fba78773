"""Probe `bias-variance`: the guide's decomposition, measured by a short run or read from a history.

Faults: a 2-unit bottleneck cannot separate 10 digit classes (high avoidable bias); a 3x512 MLP on
60 digits rows memorises them (train error 0, validation error ~0.2: high variance); a history whose
test error is far above its validation error (validation over-fitting); a model whose output does
not depend on its input (no better than the majority class).  Healthy: a digits MLP and a regression
MLP, both with a realistic target error.
"""
from __future__ import annotations

import pytest

from judged import holds
import torch
import torch.nn as nn
from zoo.data import digits as digit_rows, loader as zoo_loader, regression_arrays
from zoo.models import mlp

from dldoctor.expert.subject import Subject
from dldoctor.probes.context import ProbeContext
from dldoctor.probes.run import run_probe


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # training speed decides how far the bounded run gets; two threads on a shared 2-core machine
    # are ~10x slower than one
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def digits():
    return digit_rows(shuffled=True)


def loader(X, y, lo, hi, shuffle=False):
    """Rows lo..hi in batches of 32."""
    return zoo_loader(X[lo:hi], y[lo:hi], batch_size=32, shuffle=shuffle, seed=None)


def digits_subject(digits, model, n_train=1200, test=True, **kw):
    X, y = digits
    return Subject(model=model, train_data=loader(X, y, 0, n_train, shuffle=True), val_data=loader(X, y, 1200, 1500),
                   test_data=loader(X, y, 1500, 1797) if test else None, loss_fn=nn.CrossEntropyLoss(),
                   optimizer=lambda p: torch.optim.Adam(p, lr=1e-3), **kw)


def run(subject) -> dict:
    r = run_probe("bias-variance", subject, ProbeContext(seed=0))
    assert r.status == "ok", r.message
    print(r.seconds, "s", {k: round(v, 3) if isinstance(v, float) else v for k, v in r.findings.items()}, r.details["run"])
    return r


def test_two_hidden_units_is_high_avoidable_bias(digits):
    # two ReLU units carry at most a 2-d code of the image: far from separating 10 classes
    f = run(digits_subject(digits, mlp(64, hidden=2, depth=1), n_train=600, target_error=0.02)).findings
    assert f["source"] == "measured" and f["avoidable_bias"] > 0.1
    assert f["avoidable_bias"] > 3 * abs(f["variance"])


def test_big_mlp_on_60_rows_is_high_variance_and_deterministic(digits):
    model = mlp(64, hidden=512, depth=3)
    before = [p.detach().clone() for p in model.parameters()]
    s = digits_subject(digits, model, n_train=60, test=False, target_error=0.02)
    a, b = run(s).findings, run(s).findings
    assert a == b  # bounded in steps and epochs, never seconds: the same numbers on any machine
    assert a["train_error"] < 0.02 and a["variance"] > 0.1 and a["val_overfitting"] is None
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_healthy_digits_mlp_has_small_terms(digits):
    r = run(digits_subject(digits, mlp(64, hidden=128, depth=1), target_error=0.03))
    f = r.findings
    # the shared run is 200 steps (5 epochs here): its avoidable bias is an upper bound, under the KB's 10 points
    assert r.details["run"]["steps"] == 200 and r.steps == 200
    assert abs(f["avoidable_bias"]) < 0.05 and abs(f["variance"]) < 0.05 and abs(f["val_overfitting"]) < 0.05
    assert holds("bias-variance", f, "no-better-than-baseline") is False and f["baseline_error"] == pytest.approx(0.9, abs=0.05)


def test_healthy_regression_mlp_has_small_terms():
    X, y = (torch.from_numpy(a) for a in regression_arrays())
    s = Subject(model=mlp(8, 1, hidden=64, depth=2), train_data=loader(X, y, 0, 1000, shuffle=True), val_data=loader(X, y, 1000, 1250),
                test_data=loader(X, y, 1250, 1500), loss_fn=nn.MSELoss(), optimizer=lambda p: torch.optim.Adam(p, lr=1e-3),
                target_error=0.02)
    r = run(s)
    f = r.findings
    # errors are MSE / Var(y): the mean predictor scores ~1, the noise ~0.006
    assert r.details["task"] == "regression" and f["baseline_error"] == pytest.approx(1.0, abs=0.2)
    # 200 steps (7 epochs): both terms are upper bounds, under the KB's 0.1
    assert abs(f["avoidable_bias"]) < 0.08 and abs(f["variance"]) < 0.08 and holds("bias-variance", f, "no-better-than-baseline") is False


class Constant(nn.Module):
    """Logits that ignore the input: the best it can learn is the class prior."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        return self.bias.expand(len(x), 10)


def test_constant_output_does_not_beat_the_majority_class(digits):
    s = digits_subject(digits, Constant(), n_train=600, test=False, history={"train_loss": [2.3, 2.2, 2.2]})
    r = run(s)
    f = r.findings
    assert f["source"] == "measured" and any("train_error" in n for n in r.notes)
    assert holds("bias-variance", f, "no-better-than-baseline") is True and f["val_error"] >= 0.9 * f["baseline_error"]


def test_history_with_test_far_above_validation_is_validation_overfitting(digits):
    history = {"train_error": [0.5, 0.2, 0.08, 0.04, 0.02, 0.01],
               "val_error": [0.55, 0.25, 0.12, 0.08, 0.09, 0.10],
               "test_error": [None, None, None, None, None, 0.25]}
    r = run(digits_subject(digits, mlp(64, hidden=32, depth=1), history=history, target_error=0.03))
    f = r.findings
    # the shipped model is the best-validation epoch (index 3); the test error is its only value
    assert f["source"] == "history" and r.details["run"]["epoch"] == 3
    assert (f["train_error"], f["val_error"], f["test_error"]) == (0.04, 0.08, 0.25)
    assert f["val_overfitting"] == pytest.approx(0.17) and f["variance"] == pytest.approx(0.04)
    assert f["avoidable_bias"] == pytest.approx(0.01) and holds("bias-variance", f, "no-better-than-baseline") is False
    assert [t["name"] for t in r.details["terms"]] == ["irreducible", "avoidable bias", "variance",
                                                         "distribution shift", "validation over-fitting"]


def test_without_target_error_there_is_no_avoidable_bias(digits):
    history = {"train_error": [0.3, 0.1], "val_error": [0.35, 0.15]}
    f = run(digits_subject(digits, mlp(64, hidden=32, depth=1), history=history)).findings
    assert f["target_error"] is None and f["avoidable_bias"] is None and f["variance"] == pytest.approx(0.05)


def test_the_shared_training_run_trains_once_per_worker(digits):
    """A second probe asking for the trained model gets the cached copy and trains nothing."""
    s = digits_subject(digits, mlp(64, hidden=32, depth=1), n_train=300, test=False)
    ctx = ProbeContext(seed=0)
    first = run_probe("bias-variance", s, ctx)
    again = run_probe("bias-variance", s, ctx)
    assert first.steps > 0 and again.steps == 0
    assert first.findings == again.findings
