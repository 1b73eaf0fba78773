"""loss-saturation, and the longer numerics run: a loss that turns NaN once the model is confident (log
of a saturated sigmoid) fires, without training to that point; stable losses stay silent."""
from __future__ import annotations

import pytest
import torch
from zoo.context import findings, ranking, symptoms
from zoo.data import digits, loader
from zoo.subjects import digits_subject, regression_subject
from torch import nn

from dldoctor.expert.subject import Subject


class SigmoidOut(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = nn.Linear(64, 32), nn.Linear(32, 1)

    def forward(self, x):
        return torch.sigmoid(self.b(torch.relu(self.a(x)))).squeeze(1)


class LogitOut(SigmoidOut):
    def forward(self, x):
        return self.b(torch.relu(self.a(x))).squeeze(1)


def hand_bce(p, t):
    return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()


def hand_bce_eps(p, t):
    return -(t * torch.log(p + 1e-7) + (1 - t) * torch.log(1 - p + 1e-7)).mean()


def binary(model, loss_fn, lr=1e-3):
    x, y = digits(512)
    return Subject(model=model, train_data=loader(x, (y % 2).float(), shuffle=False), loss_fn=loss_fn,
                   optimizer=lambda ps: torch.optim.Adam(ps, lr=lr))


@pytest.mark.parametrize("make", [lambda: binary(SigmoidOut(), hand_bce),
                                  lambda: binary(LogitOut(), lambda z, t: hand_bce(torch.sigmoid(z), t)),
                                  lambda: binary(LogitOut(), lambda z, t: -(t * torch.log(torch.sigmoid(z))).mean()
                                                 - ((1 - t) * torch.log(1 - torch.sigmoid(z))).mean())],
                         ids=["sigmoid-in-model", "sigmoid-in-loss", "two-logs"])
def test_log_of_a_saturating_sigmoid_fires(make):
    assert symptoms("loss-saturation", make())["loss-breaks-when-confident"]


def poisson():
    base = regression_subject()
    return Subject(model=base.model, train_data=base.train_data, loss_fn=nn.PoissonNLLLoss(), optimizer=base.optimizer)


HEALTHY = {
    "bce-with-logits": lambda: binary(LogitOut(), nn.BCEWithLogitsLoss()),
    "nn.BCELoss-clamps-its-log": lambda: binary(SigmoidOut(), nn.BCELoss()),
    "hand-bce-with-epsilon": lambda: binary(SigmoidOut(), hand_bce_eps),
    "cross-entropy": lambda: digits_subject(),
    "mse-regression": lambda: regression_subject(),
    "poisson-exp-rate": lambda: poisson(),
}


@pytest.mark.parametrize("name", HEALTHY)
def test_stable_losses_stay_silent(name):
    assert symptoms("loss-saturation", HEALTHY[name]())["loss-breaks-when-confident"] is False


def test_the_longer_numerics_run_sees_a_late_nan_while_the_loss_falls():
    """Adam 3e-2 saturates the sigmoid after ~16 steps on one batch: past the old 10-step run."""
    f = findings("numerics", binary(SigmoidOut(), hand_bce, lr=3e-2))
    assert f["nonfinite_after_steps"] is not None and f["nonfinite_after_steps"] > 10
    assert f["loss_ratio_before_nonfinite"] < 0.5


def test_the_kb_names_numerical_instability_for_a_late_nan_not_the_rate():
    top = ranking({"loss-breaks-when-confident": "yes", "nonfinite-after-learning": "yes", "nonfinite-after-training": "yes",
                   "nonfinite-forward": "yes", "first-loss-nonfinite": "no", "nonfinite-at-once": "no",
                   "overfit-converges": "yes", "lr-far-above-best": "no", "inputs-nonfinite": "no"})
    assert top[0][0] == "numerical-instability" and top[0][1] > 0.5, top[:3]


def test_numerics_after_overfit_one_batch_reads_its_run_and_sees_the_same_late_nan():
    """In one worker numerics reads overfit-one-batch's losses (same batch, optimizer and start): it trains
    only the watched re-run that names the module, and finds what it finds alone."""
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    subject, shared = binary(SigmoidOut(), hand_bce, lr=3e-2), ProbeContext(seed=0)
    overfit = run_probe("overfit-one-batch", subject, shared)
    after = run_probe("numerics", subject, shared)
    alone = run_probe("numerics", subject, ProbeContext(seed=0))
    assert overfit.findings["nonfinite_step"] > 10
    assert after.findings == alone.findings
    assert after.findings["nonfinite_after_steps"] == overfit.findings["nonfinite_step"]
    assert after.details["plain_steps_shared"] and not alone.details["plain_steps_shared"]
    assert after.steps == alone.steps - len(alone.details["losses"]) == overfit.steps


def test_numerics_after_a_healthy_one_batch_run_trains_nothing():
    """It reads the run's first STEPS losses (its own window: a NaN later is overfit-one-batch's evidence)."""
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.numerics import STEPS
    from dldoctor.probes.run import run_probe

    subject, shared = digits_subject(), ProbeContext(seed=0)
    overfit = run_probe("overfit-one-batch", subject, shared)
    numerics = run_probe("numerics", subject, shared)
    assert overfit.steps > 30 and numerics.steps == 0
    assert numerics.findings["nonfinite_after_steps"] is None and numerics.details["plain_steps"] == STEPS


def test_numerics_trains_its_own_window_when_the_one_batch_run_converged_sooner():
    """A linear regression at SGD 0.5 converges in ~11 steps: that run cannot stand for 30 steps."""
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.numerics import STEPS
    from dldoctor.probes.run import run_probe

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=g)
    torch.manual_seed(0)
    subject = Subject(model=nn.Linear(4, 1), train_data=loader(x, x @ torch.tensor([[1.0], [2.0], [-1.0], [0.5]])),
                      loss_fn=nn.MSELoss(), optimizer=lambda ps: torch.optim.SGD(ps, lr=0.5), task="regression")
    shared = ProbeContext(seed=0)
    overfit = run_probe("overfit-one-batch", subject, shared)
    numerics = run_probe("numerics", subject, shared)
    assert overfit.steps < STEPS and not overfit.findings["nonfinite"]
    assert numerics.steps == STEPS and not numerics.details["plain_steps_shared"]
