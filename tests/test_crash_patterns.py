"""Crash messages that name their fault (kb/patterns.yaml): each pattern matches PyTorch's own message,
produced here by real faulty code, and the KB ranks the cause the message names first.

The messages come from PyTorch's source: aten/src/ATen/native/Loss.cpp (binary_cross_entropy's
TORCH_CHECKs), torch/csrc/autograd (backward), aten's nll_loss / linear checks."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from zoo.context import kb, ranking
from zoo.models import mlp
from zoo.subjects import digits_subject

from dldoctor.probes.runs import classify


def message(fn) -> str:
    try:
        fn()
    except Exception as exc:  # the message as probe `runs` sees it
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError("the faulty code ran")


def backward_twice():
    w = torch.randn(3, requires_grad=True)
    loss = (w * 2).exp().sum()
    loss.backward()
    loss.backward()


def inplace_after_save():
    w = torch.randn(3, requires_grad=True)
    y = w.sigmoid()
    y.mul_(2)
    y.sum().backward()


def no_graph():
    model = nn.Linear(3, 1)
    with torch.no_grad():
        out = model(torch.randn(4, 3))
    F.mse_loss(out, torch.zeros(4, 1)).backward()


FAULTS = {  # name: (faulty code, the kind its message is classified as)
    "bce-fed-logits": (lambda: nn.BCELoss()(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0])), "wrong-loss-input"),
    "bce-targets-0-255": (lambda: nn.BCELoss()(torch.tensor([0.2, 0.7]), torch.tensor([255.0, 0.0])), "label-out-of-range"),
    "backward-without-graph": (no_graph, "graph-cut"),
    "backward-twice": (backward_twice, "graph-reused"),
    "inplace-after-save": (inplace_after_save, "inplace-modified"),
    "batch-sizes-differ": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2])), "shape-mismatch"),
    "float-class-targets": (lambda: F.nll_loss(torch.randn(4, 3), torch.tensor([0.0, 1, 2, 1])), "dtype-casting"),
    "target-size": (lambda: nn.BCEWithLogitsLoss()(torch.randn(4, 1), torch.rand(4)), "shape-mismatch"),
    "label-out-of-bounds": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2, 3])), "label-out-of-range"),
    "mat1-mat2": (lambda: nn.Linear(8, 2)(torch.randn(4, 6)), "shape-mismatch"),
    "double-into-float": (lambda: nn.Linear(3, 2)(torch.randn(4, 3, dtype=torch.float64)), "dtype-casting"),
}


@pytest.mark.parametrize("name", FAULTS)
def test_pytorch_message_is_classified(name):
    fn, kind = FAULTS[name]
    assert classify(message(fn), kb().patterns) == kind


EXPECTED = {  # crash kind -> the cause it names (stage of the crash as probe `runs` reports it)
    "wrong-loss-input": ("loss", "crash-loss-input-range", "wrong-loss-input"),
    "graph-cut": ("backward", "crash-graph-cut", "gradient-blocked"),
    "graph-reused": ("backward", "crash-graph-reused", "memory-leak-retained-graph"),
    "inplace-modified": ("backward", "crash-inplace-modified", "code-crash"),
}


@pytest.mark.parametrize("kind", EXPECTED)
def test_the_named_fault_ranks_first_not_a_generic_crash(kind):
    stage, symptom, cause = EXPECTED[kind]
    crash_symptoms = [s for s in kb().symptoms if s.startswith("crash-")]
    obs = {s: "no" for s in crash_symptoms}
    obs.update({"crashes": "yes", symptom: "yes", f"crash-in-{stage}": "yes"})
    top = ranking(obs)
    assert top[0][0] == cause and top[0][1] >= 0.5, top[:3]


def test_bce_fed_logits_through_probe_runs_is_wrong_loss_input():
    from zoo.context import symptoms

    model = mlp(n_out=1)
    nn.init.constant_(model[-1].bias, -1.0)  # raw logits, some of them negative
    x = digits_subject(model, loss_fn=lambda o, t: nn.BCELoss()(o.squeeze(1), (t % 2).float()))
    seen = symptoms("runs", x)
    assert seen["crash-loss-input-range"] and not seen["crash-other"]
