"""Probe `regularization`: Regularization strength.

Reads weight decay and dropout, and compares a short single-batch fit with regularization on against
the same fit with it off.

How: weight_decay is the largest ``weight_decay`` of the optimizer's parameter groups (L2 in SGD and
Adam, decoupled in AdamW: the raw setting either way); max_dropout the largest ``p`` of the model's
``nn.Dropout*`` modules (functional dropout inside a forward is not visible).  reg_fit_ratio: two
fits of FIT_STEPS default steps (zero_grad, forward, loss, backward, step: regularization is a
property of model and optimizer, not of the user's step) on deep copies, on the first batch (at most
64 samples), from the same seed: one as configured, one with weight decay 0 and dropout p 0.  Each
fit ends with the copy's loss on the batch in eval mode (what the model learned, without dropout's
noise), and the ratio is (with + d) / (without + d), d = 5% of the initial loss: once both fits
are within 5% of the initial loss of zero they count as equally fitted, so a healthy dropout 0.5
(a few percent left against a fraction of a percent) reads ~1-2 instead of the ratio of two
near-zero numbers.  Without any regularization the fits are identical and the ratio is 1 without
fitting.  Decoupled weight decay (AdamW) acts at lr x wd per step, so its effect shows in a short
fit only when that product is large; weight_decay reports the setting itself.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='regularization',
    title='Regularization strength',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=2.0,
    doc='Reads weight decay and dropout, and compares a short single-batch fit with regularization on against the same fit with it off.',
    findings=(
        Finding('weight_decay', 'number', "largest weight decay in the optimizer's parameter groups"),
        Finding('max_dropout', 'number', 'largest dropout probability'),
        Finding('reg_fit_ratio', 'number', 'single-batch loss after a short fit with regularization / without, each plus 5% of the initial loss (>> 1: regularization stops the fit)'),
    ),
)

FIT_STEPS, MAX_SAMPLES, SLACK = 200, 64, 0.05


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import training

    optimizer = training.make_optimizer(subject)
    weight_decay = max(float(g.get("weight_decay") or 0.0) for g in optimizer.param_groups)
    dropout = max((float(m.p) for m in subject.model.modules() if isinstance(m, torch.nn.modules.dropout._DropoutNd)), default=0.0)
    findings = dict(weight_decay=weight_decay, max_dropout=dropout, reg_fit_ratio=1.0)
    if weight_decay == 0 and dropout == 0:
        return Measurement(findings=findings, notes=["no weight decay and no dropout: nothing to compare"])
    inputs, targets = training.first_batch(subject)
    if torch.is_tensor(inputs) and torch.is_tensor(targets) and len(inputs) > MAX_SAMPLES:
        inputs, targets = inputs[:MAX_SAMPLES], targets[:MAX_SAMPLES]
    start, with_reg = _fit(subject, (inputs, targets), ctx, regularized=True)
    _, without = _fit(subject, (inputs, targets), ctx, regularized=False)
    slack = SLACK * abs(start)
    findings["reg_fit_ratio"] = (with_reg + slack) / (without + slack) if without + slack > 0 else None
    details = {"initial_loss": start, "final_loss_with": with_reg, "final_loss_without": without, "steps": FIT_STEPS}
    return Measurement(findings=findings, details=details)


def _fit(subject, batch, ctx, regularized: bool) -> tuple[float, float]:
    """(loss before, eval-mode loss after) FIT_STEPS default steps on a copy of the model."""
    import copy

    import torch

    from dldoctor.probes import training

    torch.manual_seed(ctx.seed)
    model = copy.deepcopy(subject.model)
    optimizer = training.make_optimizer(subject, model=model)
    if not regularized:
        for m in model.modules():
            if isinstance(m, torch.nn.modules.dropout._DropoutNd):
                m.p = 0.0
        for g in optimizer.param_groups:
            if "weight_decay" in g:
                g["weight_decay"] = 0.0
    start = _eval_loss(subject, model, batch)
    for _ in range(FIT_STEPS):
        training.default_step(model, batch, optimizer, subject.loss_fn, subject)
    return start, _eval_loss(subject, model, batch)


def _eval_loss(subject, model, batch) -> float:
    import torch

    from dldoctor.probes import training

    training_flags = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            return training.as_float(training.forward_loss(subject, batch[0], batch[1], model)[1])
    finally:
        for m, flag in training_flags.items():
            m.training = flag
