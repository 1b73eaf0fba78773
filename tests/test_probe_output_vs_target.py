"""Probe `output-vs-target`: silent broadcasting, (log-)probabilities, wrong softmax dim, labels, dtypes."""
from __future__ import annotations

import time

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from judged import holds
from zoo.context import run
from zoo.data import digits, loader, regression
from zoo.faults import ends_in, log_softmax_output, sigmoid_output, softmax_output, uint8_inputs
from zoo.models import mlp
from zoo.subjects import digits_cnn, digits_mlp, regression_mlp

BOOLS = ("shape_broadcast", "target_dtype_mismatch", "input_dtype_mismatch")
# judgements the probe used to make itself, now the KB's (its thresholds: kb/symptoms/output-vs-target.yaml)
JUDGED = {"outputs_probabilities": "outputs-are-probabilities", "outputs_log_probabilities": "outputs-are-log-probabilities",
          "normalized_wrong_dim": "normalized-over-batch", "label_out_of_range": "label-out-of-range"}


def findings(subject):
    f = dict(run("output-vs-target", subject).findings)
    f.update({name: holds("output-vs-target", f, sid) for name, sid in JUDGED.items()})
    return f


def fired(f):
    return {k for k in (*BOOLS, *JUDGED) if f[k]}


@pytest.mark.parametrize("make", [digits_mlp, digits_cnn])
def test_healthy_classifiers_raise_nothing(make):
    t0 = time.perf_counter()
    f = findings(make())
    print(f"output-vs-target on {make.__name__}: {time.perf_counter() - t0:.3f}s")
    assert fired(f) == set()
    assert (f["label_min"], f["label_max"], f["num_outputs"]) == (0, 9, 10)


def test_healthy_regression_raises_nothing_and_has_no_labels():
    f = findings(regression_mlp())
    assert fired(f) == set()
    assert f["label_min"] is None and f["num_outputs"] is None


def test_log_softmax_with_nll_is_healthy():
    f = findings(digits_mlp(model=log_softmax_output(mlp(depth=1)), loss_fn=nn.NLLLoss()))
    assert fired(f) == set()


def test_sigmoid_with_bce_is_healthy():
    x, y = digits()
    f = findings(digits_mlp(model=sigmoid_output(mlp(n_out=1, depth=1)), y=(y[:, None] > 4).float(), loss_fn=nn.BCELoss()))
    assert fired(f) == set()


def test_n1_outputs_against_n_targets_broadcast_in_mse():
    assert fired(findings(regression_mlp(targets_1d=True))) == {"shape_broadcast"}


def test_a_loss_that_squeezes_by_itself_does_not_broadcast():
    f = findings(regression_mlp(targets_1d=True, loss_fn=lambda o, t: F.mse_loss(o.squeeze(1), t)))
    assert f["shape_broadcast"] is False


def test_softmax_before_cross_entropy_is_probabilities():
    assert fired(findings(digits_mlp(model=softmax_output(mlp(depth=1))))) == {"outputs_probabilities"}


def test_softmax_before_a_plain_cross_entropy_function_is_probabilities():
    f = findings(digits_mlp(model=softmax_output(mlp(depth=1)), loss_fn=lambda o, t: F.cross_entropy(o, t)))
    assert f["outputs_probabilities"] is True


def test_sigmoid_before_bce_with_logits_is_probabilities():
    x, y = digits()
    f = findings(digits_mlp(model=sigmoid_output(mlp(n_out=1, depth=1)), y=(y[:, None] > 4).float(), loss_fn=nn.BCEWithLogitsLoss()))
    assert fired(f) == {"outputs_probabilities"}


def test_log_softmax_before_cross_entropy_is_log_probabilities():
    assert fired(findings(digits_mlp(model=log_softmax_output(mlp(depth=1))))) == {"outputs_log_probabilities"}


@pytest.mark.parametrize("head", [nn.Softmax(dim=0), nn.LogSoftmax(dim=0)])
def test_softmax_over_the_batch_is_the_wrong_dim(head):
    f = findings(digits_mlp(model=ends_in(mlp(depth=1), head)))
    assert f["normalized_wrong_dim"] is True and f["outputs_probabilities"] is False


def test_labels_from_1_to_10_are_out_of_range_for_10_outputs():
    x, y = digits()
    f = findings(digits_mlp(y=y + 1))
    assert f["label_out_of_range"] is True and (f["label_max"], f["num_outputs"]) == (10, 10)


def test_ignore_index_is_not_a_label():
    x, y = digits()
    y = y.clone()
    y[::3] = -100
    assert findings(digits_mlp(y=y))["label_out_of_range"] is False


@pytest.mark.parametrize("cast", [lambda y: y.round().long(), lambda y: y.double()])
def test_integer_or_float64_regression_targets_are_a_dtype_mismatch(cast):
    x, y = regression()
    s = regression_mlp()
    s.train_data = loader(x, cast(y), shuffle=False)
    assert fired(findings(s)) == {"target_dtype_mismatch"}


def test_float_class_labels_are_a_dtype_mismatch():
    x, y = digits()
    assert findings(digits_mlp(y=y.float()))["target_dtype_mismatch"] is True  # CrossEntropyLoss raises on these


def test_float_class_labels_converted_by_the_loss_itself_are_fine():
    x, y = digits()
    assert findings(digits_mlp(y=y.float(), loss_fn=lambda o, t: F.cross_entropy(o, t.long())))["target_dtype_mismatch"] is False


@pytest.mark.parametrize("x_of", [lambda x: x.double(), uint8_inputs])
def test_float64_or_uint8_inputs_are_an_input_dtype_mismatch(x_of):
    x, _ = digits()
    f = findings(digits_mlp(x=x_of(x)))  # the forward raises; the dtype is still measured
    assert f["input_dtype_mismatch"] is True


def test_a_forward_that_converts_the_inputs_is_not_a_mismatch():
    x, _ = digits()
    assert findings(digits_mlp(x=x.double(), forward=lambda m, v: m(v.float())))["input_dtype_mismatch"] is False


def test_deterministic():
    assert findings(digits_mlp(model=softmax_output(mlp(depth=1)))) == findings(digits_mlp(model=softmax_output(mlp(depth=1))))


def test_fresh_logits_that_happen_to_be_positive_are_not_probabilities():
    x, y = digits()
    model = mlp(n_out=1, depth=1)
    with torch.no_grad():
        model[-1].bias.fill_(0.12)  # the edge of the default bias range, every logit in (0, 1)
        model[-1].weight.mul_(0.2)
    f = findings(digits_mlp(model=model, y=(y[:, None] > 4).float(), loss_fn=nn.BCEWithLogitsLoss()))
    assert f["outputs_probabilities"] is False


def test_one_based_labels_leave_output_zero_unused():
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dldoctor.expert.subject import Subject
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    g = torch.Generator().manual_seed(0)
    X = torch.randn(600, 5, generator=g)
    y = torch.randint(0, 3, (600,), generator=g)
    loader = lambda labels: DataLoader(TensorDataset(X, labels), batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(1))
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 4))
    one_based = run_probe("output-vs-target", Subject(model=model, train_data=loader(y + 1), loss_fn=nn.CrossEntropyLoss()), ProbeContext())
    assert one_based.findings["unused_leading_outputs"] == 1
    assert holds("output-vs-target", one_based.findings, "label-out-of-range") is False
    zero_based = run_probe("output-vs-target", Subject(model=model, train_data=loader(y), loss_fn=nn.CrossEntropyLoss()), ProbeContext())
    assert zero_based.findings["unused_leading_outputs"] == 0  # healthy: every output, 0 included, is some label
