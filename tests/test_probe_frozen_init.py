"""frozen-init: a backbone frozen while still at PyTorch's default init fires; a frozen backbone that
was trained (a few hundred steps) or whose weights come from another distribution stays silent."""
from __future__ import annotations

import pytest
import torch
from zoo.context import findings, ranking, symptoms
from zoo.faults import freeze_body, head_only_optimizer
from zoo.models import cnn, mlp
from zoo.steps import textbook_step
from zoo.subjects import cnn_subject, digits_subject
from torch import nn


def frozen_but(model, head):
    """The backbone frozen, an optimizer over the head."""
    freeze_body(model, head)
    return torch.optim.Adam(head.parameters(), lr=1e-3)


def trained(model, make_subject, steps=300):
    s = make_subject(model)
    batch = next(iter(s.train_data))
    for _ in range(steps):
        textbook_step(model, batch, s.optimizer, s.loss_fn)
    return model


def mlp_frozen(train_first: bool):
    model = mlp()
    if train_first:
        trained(model, digits_subject)
    return digits_subject(model, optimizer=frozen_but(model, model[-1]))


def cnn_frozen(train_first: bool):
    model = cnn()
    if train_first:
        trained(model, cnn_subject, steps=200)
    s = cnn_subject(model)
    s.optimizer = frozen_but(model, model[-1])
    return s


@pytest.mark.parametrize("make", [mlp_frozen, cnn_frozen], ids=["mlp", "cnn"])
def test_backbone_frozen_at_init_fires(make):
    seen = symptoms("frozen-init", make(train_first=False))
    assert seen["frozen-at-init"] and not seen["frozen-weights-trained"]


@pytest.mark.parametrize("make", [mlp_frozen, cnn_frozen], ids=["mlp", "cnn"])
def test_trained_backbone_frozen_stays_silent(make):
    seen = symptoms("frozen-init", make(train_first=True))
    assert not seen["frozen-at-init"] and seen["frozen-weights-trained"]


def test_weights_from_another_distribution_are_not_at_init():
    model = mlp()
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_normal_(m.weight)  # e.g. a checkpoint from a model initialised otherwise
    seen = symptoms("frozen-init", digits_subject(model, optimizer=frozen_but(model, model[-1])))
    assert not seen["frozen-at-init"]


def test_a_model_not_in_the_optimizer_counts_as_frozen():
    model = mlp()
    f = findings("frozen-init", digits_subject(model, optimizer=head_only_optimizer(model)))
    assert f["frozen_weight_frac"] > 0.5 and f["frozen_max_over_init_bound"] <= 1.0


def test_nothing_frozen_is_not_judged():
    f = findings("frozen-init", digits_subject())
    assert f["frozen_weight_frac"] == 0.0 and f["frozen_max_over_init_bound"] is None


def test_the_kb_tells_a_random_frozen_backbone_from_a_trained_one():
    common = {"params-frozen": "yes", "params-not-in-optimizer": "no", "overfit-converges": "no", "overfit-decreasing": "yes"}
    at_init = ranking({**common, "frozen-at-init": "yes", "frozen-weights-trained": "no"})
    assert at_init[0][0] == "frozen-parameters" and at_init[0][1] > 0.5, at_init[:3]
    fine_tuning = dict(ranking({**common, "frozen-at-init": "no", "frozen-weights-trained": "yes"}))
    assert fine_tuning["frozen-parameters"] < 0.5
