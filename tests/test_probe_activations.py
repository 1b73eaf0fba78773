"""activations: dead ReLUs, saturated sigmoids, init scale, constant weights, a model with no non-linearity."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from zoo.context import ctx
from zoo.faults import dead_biases, large_init
from zoo.models import cnn, mlp
from zoo.subjects import cnn_subject, digits_subject, regression_subject
from dldoctor.probes.run import run_probe
from judged import holds

# judgements the probe used to make itself, now the KB's (its thresholds: kb/symptoms/activations.yaml)
JUDGED = {"constant_weights": "weights-constant", "model_is_affine": "model-is-affine"}


def findings(subject):
    out = run_probe("activations", subject, ctx())
    assert out.status == "ok", out.message
    f = dict(out.findings)
    f.update({name: holds("activations", f, sid) for name, sid in JUDGED.items()})
    return f


class FunctionalMLP(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = nn.Linear(64, 64), nn.Linear(64, 10)

    def forward(self, x):
        return self.b(F.relu(self.a(x)))


@pytest.mark.parametrize("make", [digits_subject, cnn_subject, regression_subject,
                                  lambda: cnn_subject(cnn(batchnorm=False)), lambda: digits_subject(mlp(act=nn.Tanh))])
def test_default_init_models_are_healthy(make):
    f = findings(make())
    # at PyTorch's default init a few units may be off for every row (digits has blank pixels), not most
    assert f["dead_relu_frac"] is None or f["dead_relu_frac"] < 0.3
    assert f["saturated_frac"] is None or f["saturated_frac"] < 0.05
    assert f["init_scale_log10_worst"] < 0.5  # std * sqrt(fan_in) = 1/sqrt(3): log10 = -0.24
    assert f["constant_weights"] is False and f["model_is_affine"] is False
    assert f["weight_layers"] == 3


def test_functional_relu_is_not_affine():
    f = findings(digits_subject(FunctionalMLP()))
    assert f["model_is_affine"] is False and f["dead_relu_frac"] is None


def test_stacked_linear_layers_are_affine():
    torch.manual_seed(0)
    f = findings(digits_subject(nn.Sequential(nn.Linear(64, 64), nn.Linear(64, 64), nn.Linear(64, 10))))
    assert f["model_is_affine"] is True and f["weight_layers"] == 3


def test_all_zero_init():
    model = mlp()
    for p in model.parameters():
        nn.init.zeros_(p)
    f = findings(digits_subject(model))
    assert f["constant_weights"] is True and f["init_scale_log10_worst"] >= 6


def test_std_10_init_is_far_from_fan_in_scale():
    model = large_init(mlp(), 10)
    # 10 * sqrt(64) = 80: log10 = 1.9
    assert findings(digits_subject(model))["init_scale_log10_worst"] > 1.5


def test_huge_negative_biases_kill_the_relus():
    model = mlp()
    dead_biases(model[:-1])
    assert findings(digits_subject(model))["dead_relu_frac"] == 1.0


def test_dead_channels_in_a_cnn():
    model = cnn(batchnorm=False)
    dead_biases([model[0]])  # first conv: every channel negative everywhere
    assert findings(cnn_subject(model))["dead_relu_frac"] == 1.0


def test_large_weights_saturate_sigmoids():
    model = large_init(mlp(act=nn.Sigmoid), 3)
    assert findings(digits_subject(model))["saturated_frac"] > 0.5


def test_token_inputs_skip_the_affinity_check():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(20, 8), nn.Flatten(), nn.Linear(32, 2))
    x = torch.randint(0, 20, (64, 4))
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x[:, 0] % 2), batch_size=32)
    from dldoctor.expert.subject import Subject

    f = findings(Subject(model=model, train_data=data, loss_fn=nn.CrossEntropyLoss()))
    assert f["model_is_affine"] is None and f["weight_layers"] == 1
