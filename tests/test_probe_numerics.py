"""numerics: where a NaN/Inf first appears in forward, loss or backward, and after how many steps."""
import pytest
import torch
from torch import nn

from zoo.context import ctx
from zoo.faults import nan_at
from zoo.models import mlp
from zoo.subjects import cnn_subject, digits_subject, regression_subject
from dldoctor.probes.numerics import STEPS
from dldoctor.probes.run import run_probe


def findings(subject):
    out = run_probe("numerics", subject, ctx())
    assert out.status == "ok", out.message
    return out.findings


class Wrapped(nn.Module):
    """An MLP followed by some functional code ``post`` in the model's own forward."""

    def __init__(self, post):
        super().__init__()
        self.body, self.post = mlp(), post

    def forward(self, x):
        return self.post(self.body(x))


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


@pytest.mark.parametrize("make", [
    digits_subject, cnn_subject, regression_subject,
    lambda: cnn_subject(nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(288, 10))),
])
def test_healthy_models_stay_finite(make):
    f = findings(make())
    assert f == {"nonfinite_forward": False, "nonfinite_backward": False,
                 "first_nonfinite_module": None, "nonfinite_after_steps": None, "loss_ratio_before_nonfinite": None}


def test_log_of_saturated_softmax_in_forward():
    model = Wrapped(lambda z: torch.log(torch.softmax(z * 1000, 1)))  # exact zeros -> log = -inf
    f = findings(digits_subject(model, loss_fn=nn.NLLLoss()))
    assert f["nonfinite_forward"] is True and f["first_nonfinite_module"] == "(model)"
    assert f["nonfinite_after_steps"] == 0


def test_log_zero_in_a_custom_loss():
    def loss(out, y):
        p = torch.softmax(out * 1000, 1)
        return -torch.log(p[torch.arange(len(y)), y]).mean()

    f = findings(digits_subject(loss_fn=loss))
    assert f["first_nonfinite_module"] == "loss" and f["nonfinite_forward"] is True


def test_division_by_zero_is_placed_in_its_module():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), Lambda(lambda h: h / (h - h)), nn.Linear(32, 10))
    f = findings(digits_subject(model))
    assert f["first_nonfinite_module"] == "1" and f["nonfinite_backward"] is True


def test_exp_overflow():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), Lambda(lambda h: torch.exp(h * 1000)), nn.Linear(32, 10))
    assert findings(digits_subject(model))["first_nonfinite_module"] == "1"


def test_nan_only_in_backward():
    torch.manual_seed(0)
    # sqrt is finite at 0 but its derivative is not: ReLU zeros feed it
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), Lambda(torch.sqrt), nn.Linear(32, 10))
    f = findings(digits_subject(model))
    assert f["nonfinite_forward"] is False and f["nonfinite_backward"] is True
    assert f["first_nonfinite_module"] == "2 (backward)"


def test_divergence_after_a_few_steps():
    f = findings(regression_subject(lr=100.0))  # SGD lr 1000 with momentum on an MSE regression
    assert f["nonfinite_forward"] is False
    assert 1 <= f["nonfinite_after_steps"] <= 10
    assert f["first_nonfinite_module"] is not None  # named by the watched replay of the same steps


def test_a_healthy_run_is_not_replayed():
    f = run_probe("numerics", digits_subject(), ctx())
    assert f.details["steps_run"] == STEPS and f.findings["nonfinite_after_steps"] is None


def test_nan_in_the_data():
    subject = digits_subject()
    nan_at(subject.train_data.dataset.tensors[0], 0, 0)
    assert findings(subject)["first_nonfinite_module"] == "input"


def test_a_blow_up_the_watched_steps_do_not_repeat_keeps_its_count():
    calls = []

    def step(model, batch, optimizer, loss_fn):  # state of its own: NaN on its third call only
        calls.append(1)
        return float("nan") if len(calls) == 3 else 1.0

    f = findings(digits_subject(train_step=step))
    assert f["nonfinite_after_steps"] == 2 and f["first_nonfinite_module"] is None
