"""Probe `runs`: real crashes produced by faulty code are classified by kb/patterns.yaml and located."""
from __future__ import annotations

import time

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from zoo.context import kb_patterns, run
from zoo.data import digits, loader
from zoo.faults import sigmoid_output, uint8_inputs
from zoo.models import mlp
from zoo.subjects import digits_cnn, digits_mlp, regression_mlp

from dldoctor.probes.runs import classify


def crash(subject):
    f = run("runs", subject).findings
    assert f["crashed"] is True
    return f


@pytest.mark.parametrize("make", [digits_mlp, digits_cnn, regression_mlp])
def test_healthy_models_run(make):
    t0 = time.perf_counter()
    f = run("runs", make()).findings
    print(f"runs on {make.__name__}: {time.perf_counter() - t0:.3f}s")
    assert f == {"crashed": False, "failure_kind": "none", "failure_stage": "none", "failure_module": None, "loss_finite": True}


def test_missing_flatten_in_cnn_is_a_shape_mismatch_in_the_head():
    f = crash(digits_cnn(flatten=False))
    assert (f["failure_kind"], f["failure_stage"], f["failure_module"]) == ("shape-mismatch", "forward", "head")


def test_images_into_an_mlp_without_flatten_is_a_shape_mismatch_in_the_first_layer():
    x, _ = digits()
    f = crash(digits_mlp(x=x.view(-1, 1, 8, 8)))
    assert (f["failure_kind"], f["failure_module"]) == ("shape-mismatch", "0")


def test_float64_inputs_into_a_float32_model_are_a_dtype_error():
    x, _ = digits()
    f = crash(digits_mlp(x=x.double()))
    assert (f["failure_kind"], f["failure_stage"], f["failure_module"]) == ("dtype-casting", "forward", "0")


def test_uint8_images_into_a_cnn_are_a_dtype_error_in_the_first_conv():
    x, y = digits()
    s = digits_cnn()
    s.train_data = loader(uint8_inputs(x).view(-1, 1, 8, 8), y, shuffle=False)
    f = crash(s)
    assert (f["failure_kind"], f["failure_module"]) == ("dtype-casting", "features.0")


def test_label_equal_to_the_number_of_outputs_is_out_of_range_in_the_loss():
    x, y = digits()
    y = y.clone()
    y[::5] = 10
    f = crash(digits_mlp(y=y))
    assert (f["failure_kind"], f["failure_stage"], f["failure_module"]) == ("label-out-of-range", "loss", None)


@pytest.mark.parametrize("loss_fn, y_of", [
    (nn.CrossEntropyLoss(), lambda y: y.float()),  # float class labels
    (nn.BCEWithLogitsLoss(), lambda y: torch.nn.functional.one_hot(y, 10)),  # integer multi-label targets
    (nn.BCELoss(), lambda y: torch.nn.functional.one_hot(y, 10).double()),  # float64 targets
])
def test_target_dtypes_the_loss_rejects_are_dtype_errors(loss_fn, y_of):
    x, y = digits()
    model = sigmoid_output(mlp(depth=1)) if isinstance(loss_fn, nn.BCELoss) else None
    f = crash(digits_mlp(y=y_of(y), loss_fn=loss_fn, model=model))
    assert (f["failure_kind"], f["failure_stage"]) == ("dtype-casting", "loss")


def test_outputs_cut_short_are_a_batch_size_shape_mismatch():
    f = crash(digits_mlp(forward=lambda m, x: m(x)[:-1]))
    assert (f["failure_kind"], f["failure_stage"]) == ("shape-mismatch", "loss")


def test_parameters_on_another_device_are_a_device_mismatch():
    f = crash(digits_mlp(model=mlp(depth=1).to("meta")))
    assert (f["failure_kind"], f["failure_module"]) == ("device-mismatch", "0")


class Greedy(nn.Module):
    def forward(self, x):
        return x + torch.empty(10**15, dtype=torch.uint8).sum()


def test_an_allocation_that_cannot_be_met_is_out_of_memory_in_the_module_that_asked():
    f = crash(digits_mlp(model=nn.Sequential(nn.Linear(64, 10), Greedy())))
    assert (f["failure_kind"], f["failure_module"]) == ("out-of-memory", "1")


def test_a_loss_without_graph_fails_in_backward_as_a_cut_graph():
    f = crash(digits_mlp(loss_fn=lambda o, t: torch.tensor(1.0)))
    assert (f["failure_kind"], f["failure_stage"], f["loss_finite"]) == ("graph-cut", "backward", True)


def test_a_loader_without_targets_fails_in_data():
    x, _ = digits()
    s = digits_mlp()
    s.train_data = [x[:8], x[8:16]]
    f = crash(s)
    assert f["failure_stage"] == "data"


def test_nan_loss_runs_but_is_not_finite():
    f = run("runs", digits_mlp(loss_fn=lambda o, t: F.cross_entropy(o, t) * float("nan"))).findings
    assert (f["crashed"], f["loss_finite"]) == (False, False)


def test_a_train_step_that_prepares_the_batch_itself_counts_as_running():
    x, _ = digits()

    def step(model, batch, opt, loss_fn):
        opt.zero_grad()
        loss = loss_fn(model(batch[0].float()), batch[1])
        loss.backward()
        opt.step()
        return loss

    r = run("runs", digits_mlp(x=x.double(), train_step=step))
    assert r.findings["crashed"] is False and r.findings["loss_finite"] is True
    assert any("train_step runs" in n for n in r.notes)


def test_hooks_are_removed_and_findings_deterministic():
    s = digits_cnn(flatten=False)
    a, b = run("runs", s), run("runs", s)
    assert a.findings == b.findings
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in s.model.modules())


# CUDA messages cannot be produced on this CPU machine; these are PyTorch's texts, verbatim.
@pytest.mark.parametrize("message, kind", [
    ("OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)", "out-of-memory"),
    ("RuntimeError: CUDA error: device-side assert triggered", "label-out-of-range"),
    ("RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!", "device-mismatch"),
    ("RuntimeError: Input type (torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the same", "device-mismatch"),
    ("RuntimeError: Input type (torch.FloatTensor) and weight type (torch.cuda.FloatTensor) should be the same", "device-mismatch"),
    ("RuntimeError: Input type (double) and bias type (float) should be the same", "dtype-casting"),
    ("RuntimeError: expected scalar type Float but found Double", "dtype-casting"),
    ("RuntimeError: size mismatch, m1: [64 x 784], m2: [500 x 10]", "shape-mismatch"),
    ("RuntimeError: Trying to backward through the graph a second time", "graph-reused"),
])
def test_documented_messages_classify(message, kind):
    assert classify(message, kb_patterns()) == kind
