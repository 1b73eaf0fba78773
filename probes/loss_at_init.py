"""Probe `loss-at-init`: Loss at initialisation against what an untrained model should give.

Compares the first loss with the loss of an uninformed prediction (ln C for C balanced classes, the
target variance for MSE) and reports the scale of the outputs.

How: one forward on the first batch (no_grad, the model in the mode it is in).  The loss is
recognised by ``probes.loss_kind`` (type, or behaviour for a plain callable, including its sign and
scale), and expected_loss is that loss, unsigned, evaluated on an uninformed prediction of the same
batch: zero logits for cross-entropy (ln C whatever the labels, also with class weights or label
smoothing), log(1/C) for NLL, p = 0.5 for BCE (ln 2), and the targets' mean for value losses (MSE:
the targets' variance).  The mean, not zero, is the reference for regression on purpose: a model
whose outputs start near 0 on targets far from 0 starts at var + mean^2, and the ratio then shows
the unscaled targets or the missing output bias.  A negated loss gives a negative ratio
(``-F.cross_entropy`` is cross-entropy with scale -1, expected ln C).  Unrecognised losses give
None for expected_loss and init_loss_ratio.  A negative init_loss against a positive
expected_loss (a loss that cannot be negative) is judged in the KB.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='loss-at-init',
    title='Loss at initialisation against what an untrained model should give',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=0.2,
    doc='Compares the first loss with the loss of an uninformed prediction (ln C for C balanced classes, the target variance for MSE) and reports the scale of the outputs.',
    findings=(
        Finding('init_loss', 'number', 'loss of the untrained model on one batch'),
        Finding('expected_loss', 'number', 'loss of an uninformed prediction on the same batch'),
        Finding('init_loss_ratio', 'number', 'init_loss / expected_loss; about 1 is healthy, negative means the loss is negated'),
        Finding('output_std', 'number', "standard deviation of the model's outputs at initialisation"),
    ),
)


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import loss_kind, training

    inputs, targets = training.first_batch(subject)
    with torch.no_grad():
        out, value = training.forward_loss(subject, inputs, targets)
        init = training.as_float(value)
        out = training.predictions(out)
    findings = dict(init_loss=init, expected_loss=None, init_loss_ratio=None, output_std=None)
    details, notes = {}, []
    if not (torch.is_tensor(out) and out.is_floating_point()):
        notes.append("the outputs are not a tensor of floats")
        return Measurement(findings=findings, notes=notes)
    out = out.detach()
    findings["output_std"] = float(out.float().std()) if out.numel() > 1 else None
    details.update(output_mean=float(out.float().mean()), output_abs_max=float(out.abs().max()))
    kind = loss_kind.identify(subject.loss_fn, out, targets, ctx.seed) if torch.is_tensor(targets) else None
    if kind is None:
        notes.append("the loss is not one of the standard losses; no expected value")
        return Measurement(findings=findings, details=details, notes=notes)
    expected = kind.uninformed(out, targets)
    details["loss_kind"] = {"name": kind.name, "scale": kind.scale}
    findings["expected_loss"] = expected
    if expected > 1e-12:
        findings["init_loss_ratio"] = init / expected
    else:
        notes.append("an uninformed prediction already has zero loss on this batch (constant targets?)")
    return Measurement(findings=findings, details=details, notes=notes)
