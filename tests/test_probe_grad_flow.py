"""grad-flow: frozen/detached/unoptimized parameters, vanishing and exploding gradients, update size."""
import pytest
import torch
from torch import nn

from zoo.context import ctx
from zoo.faults import freeze_body, head_only_optimizer, large_init
from zoo.models import mlp
from zoo.subjects import cnn_subject, digits_subject, regression_subject
from dldoctor.probes.run import run_probe


def findings(subject):
    out = run_probe("grad-flow", subject, ctx())
    assert out.status == "ok", out.message
    return out.findings


@pytest.mark.parametrize("make", [digits_subject, cnn_subject, regression_subject])
def test_healthy_models_have_full_moderate_gradient_flow(make):
    f = findings(make())
    assert f["frac_frozen"] == 0 and f["frac_no_grad"] == 0 and f["frac_not_in_optimizer"] == 0
    assert f["nonfinite_grad"] is False
    # a 3-layer net at default init: first and last layers' gradients are of one order of magnitude
    assert 0.05 < f["first_last_grad_ratio"] < 20
    assert f["max_grad_norm"] < 10
    # Adam/SGD at 1e-3..1e-2: the first step moves weights by about lr / weight scale, ~1e-3..1e-1
    assert 1e-4 < f["update_ratio"] < 0.1


def test_frozen_body_is_measured():
    f = findings(digits_subject(freeze_body(mlp())))
    assert f["frac_frozen"] > 0.9  # all but the 64x10 head of a 64-64-64-10 MLP
    assert f["frac_no_grad"] == 0


def test_fully_frozen_model():
    model = mlp()
    model.requires_grad_(False)
    f = findings(digits_subject(model))
    assert f["frac_frozen"] == 1.0 and f["frac_no_grad"] is None and f["update_ratio"] is None


def test_parameters_missing_from_the_optimizer():
    model = mlp()
    f = findings(digits_subject(model, optimizer=head_only_optimizer(model)))
    assert f["frac_not_in_optimizer"] > 0.9
    assert f["frac_frozen"] == 0


class Detached(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.head = mlp(n_out=64), nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.body(x).detach())


def test_detach_in_forward_leaves_the_body_without_gradient():
    f = findings(digits_subject(Detached()))
    assert f["frac_no_grad"] > 0.9  # the body holds 95% of the elements
    assert f["frac_frozen"] == 0


def test_deep_sigmoid_mlp_vanishes():
    torch.manual_seed(0)
    layers = [m for _ in range(20) for m in (nn.Linear(64, 64), nn.Sigmoid())]
    f = findings(digits_subject(nn.Sequential(*layers, nn.Linear(64, 10))))
    # each sigmoid layer scales the gradient by at most 0.25 * |W|; 20 of them: far below 1e-6
    assert f["first_last_grad_ratio"] < 1e-6


def test_deep_net_with_huge_init_explodes():
    torch.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(10) for m in (nn.Linear(64, 64), nn.ReLU())], nn.Linear(64, 10))
    f = findings(digits_subject(large_init(model, 0.5)))  # He would be 0.18: x2.8 per layer, 10 layers
    assert f["max_grad_norm"] > 1e3


def test_update_ratio_follows_the_learning_rate():
    # Adam's first step moves every element by about lr: ratio ~ lr / weight RMS (~0.1 here)
    assert findings(digits_subject(lr=10.0))["update_ratio"] > 10
    assert findings(digits_subject(lr=1e-7))["update_ratio"] < 1e-5


def test_nonfinite_gradient_is_seen():
    model = mlp()
    with torch.no_grad():
        model[0].weight[0, 0] = float("inf")
    assert findings(digits_subject(model))["nonfinite_grad"] is True


def test_per_layer_table_in_registration_order():
    out = run_probe("grad-flow", digits_subject(), ctx())
    rows = out.details["layers"]
    assert [r["name"] for r in rows] == ["0", "2", "4"]
    assert all(r["grad_norm"] > 0 and r["weight_norm"] > 0 and r["update_ratio"] > 0 for r in rows)
