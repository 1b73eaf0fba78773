"""accumulation-scale: gradients accumulated over k micro-batches without dividing the loss fire (under
SGD: the update is k times a step's); accumulation done right (loss / k), a plain step and Adam (which
normalizes the sum away) stay silent.  Not a missing zero_grad: the gradient is cleared every k calls."""
from __future__ import annotations

import pytest
import torch
from zoo.context import findings, ranking, symptoms
from zoo.models import mlp
from zoo.steps import textbook_step
from zoo.subjects import digits_subject


def accumulating(k: int, divide: bool):
    calls = {"n": 0}

    def step(model, batch, optimizer, loss_fn):
        x, y = batch
        loss = loss_fn(model(x), y)
        (loss / k if divide else loss).backward()
        calls["n"] += 1
        if calls["n"] % k == 0:
            optimizer.step()
            optimizer.zero_grad()
        return loss.item()
    return step


def sgd_subject(step, lr=0.05):
    model = mlp()
    return digits_subject(model, optimizer=torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), train_step=step)


@pytest.mark.parametrize("k", [2, 4, 8])
def test_unscaled_accumulation_under_sgd_fires(k):
    f = findings("accumulation-scale", sgd_subject(accumulating(k, divide=False)))
    assert f["calls_per_step"] == k
    assert f["accumulated_update_ratio"] == pytest.approx(k, rel=1e-3)
    assert symptoms("accumulation-scale", sgd_subject(accumulating(k, divide=False)))["accumulated-step-unscaled"]


def test_a_cycle_already_under_way_is_measured_whole():
    step = accumulating(4, divide=False)
    subject = sgd_subject(step)
    for _ in range(3):  # the user's counter is mid-cycle when the probe starts
        step(subject.model, next(iter(subject.train_data)), subject.optimizer, subject.loss_fn)
    subject.optimizer.zero_grad()
    assert findings("accumulation-scale", subject)["calls_per_step"] == 4


HEALTHY = {
    "accumulation-divided-by-k": lambda: sgd_subject(accumulating(4, divide=True)),
    "plain-textbook-step": lambda: sgd_subject(textbook_step),
    "adam-unscaled-accumulation": lambda: digits_subject(train_step=accumulating(4, divide=False)),
}


@pytest.mark.parametrize("name", HEALTHY)
def test_averaged_or_plain_or_adam_stays_silent(name):
    seen = symptoms("accumulation-scale", HEALTHY[name]())
    assert seen["accumulated-step-unscaled"] is not True


def test_the_kb_ranks_lr_too_high_not_missing_zero_grad():
    top = ranking({"accumulated-step-unscaled": "yes", "accumulated-grad-unscaled": "yes", "grads-accumulate": "no",
                   "lr-far-above-best": "no", "overfit-oscillates": "yes"})
    assert top[0][0] == "lr-too-high" and top[0][1] > 0.5, top[:3]
    assert dict(top)["missing-zero-grad"] < 0.5
