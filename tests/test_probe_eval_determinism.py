"""eval-determinism: randomness left on in eval mode (functional dropout's default training=True, a
noise layer) fires; nn.Dropout, dropout passed self.training and noise gated on the mode stay silent."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from zoo.context import findings, symptoms
from zoo.models import mlp
from zoo.subjects import cnn_subject, digits_subject
from torch import nn


class FunctionalDropout(nn.Module):
    def __init__(self, pass_mode: bool):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b, self.pass_mode = nn.Linear(64, 64), nn.Linear(64, 10), pass_mode

    def forward(self, x):
        h = torch.relu(self.a(x))
        h = F.dropout(h, 0.5, training=self.training) if self.pass_mode else F.dropout(h, 0.5)
        return self.b(h)


class GaussianNoise(nn.Module):
    def __init__(self, sigma: float, gated: bool):
        super().__init__()
        self.sigma, self.gated = sigma, gated

    def forward(self, x):
        if self.gated and not self.training:
            return x
        return x + self.sigma * torch.randn_like(x)


def random_in_eval(subject) -> bool:
    return symptoms("eval-determinism", subject)["eval-outputs-random"]


@pytest.mark.parametrize("model", [lambda: FunctionalDropout(pass_mode=False),
                                   lambda: nn.Sequential(GaussianNoise(0.1, gated=False), *mlp())],
                         ids=["F.dropout-default-training", "noise-layer-always-on"])
def test_randomness_at_evaluation_fires(model):
    assert random_in_eval(digits_subject(model()))


@pytest.mark.parametrize("model", [lambda: FunctionalDropout(pass_mode=True), lambda: mlp(dropout=0.5),
                                   lambda: nn.Sequential(GaussianNoise(0.1, gated=True), *mlp())],
                         ids=["F.dropout-training-self.training", "nn.Dropout", "noise-gated-on-mode"])
def test_deterministic_eval_stays_silent(model):
    assert random_in_eval(digits_subject(model())) is False


def test_batchnorm_cnn_is_deterministic_in_eval():
    assert findings("eval-determinism", cnn_subject())["eval_output_change"] == 0.0


def test_the_model_mode_and_rng_come_back():
    model = FunctionalDropout(pass_mode=False)
    subject = digits_subject(model)
    model.train()
    torch.manual_seed(5)
    before = torch.get_rng_state()
    findings("eval-determinism", subject)
    assert model.training and torch.equal(before, torch.get_rng_state())
