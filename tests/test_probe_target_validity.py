"""target-validity: multi-hot targets given to CrossEntropyLoss fire; label smoothing, soft targets that
are distributions (mixup) and multi-hot targets given to BCEWithLogitsLoss stay silent."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from zoo.context import ranking, symptoms
from zoo.data import digits, loader
from zoo.models import mlp
from torch import nn

from dldoctor.expert.subject import Subject


def subject(targets, loss_fn, n_out=10):
    x, _ = digits(512)
    return Subject(model=mlp(n_out=n_out), train_data=loader(x, targets, shuffle=False), loss_fn=loss_fn,
                   optimizer=lambda ps: torch.optim.Adam(ps, lr=1e-3))


def multi_hot():
    _, y = digits(512)
    t = F.one_hot(y, 10).float()
    t[torch.arange(len(y)), (y + 3) % 10] = 1.0  # every digit also tagged with a second label
    return t


def test_multi_hot_targets_into_cross_entropy_fire():
    seen = symptoms("target-validity", subject(multi_hot(), nn.CrossEntropyLoss()))
    assert seen["soft-targets-not-distributions"] and seen["targets-multi-label"]


def test_multi_hot_into_a_hand_written_cross_entropy_fires_too():
    seen = symptoms("target-validity", subject(multi_hot(), lambda o, t: F.cross_entropy(o, t)))
    assert seen["soft-targets-not-distributions"]


def mixup():
    _, y = digits(512)
    lam = 0.7
    return lam * F.one_hot(y, 10).float() + (1 - lam) * F.one_hot(y.roll(1), 10).float()


HEALTHY = {
    "label-smoothing-class-indices": lambda: subject(digits(512)[1], nn.CrossEntropyLoss(label_smoothing=0.1)),
    "smoothed-one-hot-by-hand": lambda: subject(F.one_hot(digits(512)[1], 10).float() * 0.9 + 0.01, nn.CrossEntropyLoss()),
    "mixup-soft-targets": lambda: subject(mixup(), nn.CrossEntropyLoss()),
    "multi-label-bce-with-logits": lambda: subject(multi_hot(), nn.BCEWithLogitsLoss()),
}


@pytest.mark.parametrize("name", HEALTHY)
def test_valid_targets_stay_silent(name):
    seen = symptoms("target-validity", HEALTHY[name]())
    assert not any(seen.values()), seen


def test_bce_targets_coded_minus_one_one_fire():
    _, y = digits(512)
    seen = symptoms("target-validity", subject((y % 2).float().unsqueeze(1) * 2 - 1, nn.BCEWithLogitsLoss(), n_out=1))
    assert seen["binary-targets-outside-unit"]


def test_the_kb_names_the_wrong_loss_input_for_multi_hot_cross_entropy():
    top = ranking({"soft-targets-not-distributions": "yes", "targets-multi-label": "yes", "outputs-are-probabilities": "no",
                   "crashes": "no", "overfit-plateaus": "yes"})
    assert top[0][0] == "wrong-loss-input" and top[0][1] > 0.5, top[:3]
