"""Probe `target-validity`: Are soft or multi-hot targets what the loss takes?

Cross-entropy with float targets of the outputs' shape reads each row as a probability
distribution over the classes (``CrossEntropyLoss`` with class probabilities, mixup, label
smoothing done by hand): a row must be non-negative and sum to 1.  Multi-hot targets (several
labels per example) do not: their rows sum to the number of labels, and cross-entropy then pushes
the softmax towards every label at once, so no label can win.  Multi-label data belongs to a
per-output loss (``BCEWithLogitsLoss``), which takes each target in [0, 1] on its own.

How: the loss is recognised with ``probes.loss_kind`` on one forward of the first batch (no_grad);
then the targets of up to ``BATCHES`` batches are read.
- ``soft_target_row_sum_dev``: for cross-entropy with float targets of the outputs' shape, the
  largest |sum over the class dimension - 1| over rows (0 for distributions, >= 1 for multi-hot
  rows with two labels or more, 1 for an all-zero row); None for class-index targets or other losses.
- ``multi_label_row_frac``: the share of those rows with two or more entries >= 0.5.
- ``target_outside_unit_frac``: for cross-entropy soft targets and the binary cross-entropies, the
  share of target values outside [0, 1] (labels in {-1, 1}, counts, 0..255 masks); None otherwise.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='target-validity',
    title='Soft and multi-hot targets against the loss',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=0.2,
    doc='Checks float targets against what the loss takes: rows of soft targets for cross-entropy must sum to 1 (multi-hot rows do not), binary cross-entropy targets must lie in [0, 1].',
    findings=(
        Finding('soft_target_row_sum_dev', 'number', 'cross-entropy with float targets: largest |row sum over the classes - 1| (0 for distributions, >= 1 for multi-hot rows)'),
        Finding('multi_label_row_frac', 'number', 'cross-entropy with float targets: share of rows with two or more entries >= 0.5'),
        Finding('target_outside_unit_frac', 'number', 'cross-entropy soft targets or binary cross-entropy: share of target values outside [0, 1]'),
    ),
)

BATCHES = 8


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import loss_kind, training
    from dldoctor.probes.batch_independence import _first_tensor

    none = dict.fromkeys(f.name for f in SPEC.findings)
    inputs, targets = training.to_device(training.first_batch(subject), training.model_device(subject.model))
    with torch.no_grad():
        out = _first_tensor(training.forward(subject, inputs))
    kind = loss_kind.identify(subject.loss_fn, out, targets, ctx.seed) if torch.is_tensor(targets) else None
    if kind is None:
        return Measurement(findings=none, notes=["the loss is not one of the standard losses: its targets are not judged"])
    if not targets.is_floating_point():
        return Measurement(findings=none, notes=[f"{kind.name} with class-index targets: no soft targets to check"])
    soft_ce = kind.name == "cross-entropy" and targets.shape == out.shape and out.dim() > 1
    binary = kind.name in ("bce-logits", "bce")
    if not (soft_ce or binary):
        return Measurement(findings=none, notes=[f"{kind.name} with targets of shape {tuple(targets.shape)}: nothing to check"])
    ts = [t.detach().double() for _, t in training.batches(subject.train_data, BATCHES) if torch.is_tensor(t) and t.is_floating_point()]
    ts = [t for t in ts if t.shape[1:] == targets.shape[1:]] or [targets.detach().double()]
    outside = sum(float(((t < 0) | (t > 1)).sum()) for t in ts) / max(1, sum(t.numel() for t in ts))
    findings = dict(none, target_outside_unit_frac=outside)
    details = {"loss": kind.name, "batches": len(ts)}
    if soft_ce:
        rows = torch.cat([t.movedim(1, -1).reshape(-1, t.shape[1]) for t in ts])
        findings["soft_target_row_sum_dev"] = float((rows.sum(1) - 1).abs().max())
        findings["multi_label_row_frac"] = float(((rows >= 0.5).sum(1) >= 2).double().mean())
        details["rows"] = int(len(rows))
    return Measurement(findings=findings, details=details)
