"""Probe `frozen-init`: Are the frozen weights still at their random initialisation?

Freezing a trained backbone and training a new head is good practice.  Freezing a backbone that was
never trained (the pretrained weights were never loaded, ``pretrained=False``, the checkpoint went
to another model) leaves the head on top of random features: it trains, but far worse than it
should, and nothing crashes.  The two differ in the weights themselves.  PyTorch initialises
``Linear`` and ``Conv`` weights uniformly in [-b, b], b = 1/sqrt(fan_in) (kaiming-uniform with
a = sqrt(5)): a fresh layer never exceeds b, and its standard deviation is b/sqrt(3).  Training
moves weights past the bound and changes their spread; a pretrained checkpoint is far from it.

How (no forward; the weights only): the frozen weights are those of Linear and Conv layers whose
weight has ``requires_grad`` off or is missing from the subject's optimizer instance.  For each
such layer, max|w| / b and std(w) / (b/sqrt(3)); the findings are the medians over the frozen
layers weighted by their number of weights (a trained backbone with one fresh layer added
reads as trained).  None when nothing is frozen.  A model frozen at random on purpose (random
features, a reservoir) reads as frozen at init.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='frozen-init',
    title='Frozen weights against their initialisation',
    needs=('model',),
    cost_s=0.05,
    runs_model=False,
    doc="Compares the statistics of frozen Linear/Conv weights with PyTorch's default initialisation (uniform within 1/sqrt(fan_in)): a backbone frozen before it was trained sits exactly at it.",
    findings=(
        Finding('frozen_weight_frac', 'number', 'share of the Linear/Conv weights that are frozen (requires_grad off or not in the optimizer)'),
        Finding('frozen_max_over_init_bound', 'number', 'frozen layers: max|w| / the default init bound 1/sqrt(fan_in), weighted median (<= 1 at init; trained weights pass it)'),
        Finding('frozen_std_over_init', 'number', "frozen layers: std(w) / the default init's std, weighted median (1 at init)"),
    ),
)

LAYERS = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")


def measure(subject, ctx) -> Measurement:
    import math

    import torch

    model, opt = subject.model, subject.optimizer
    in_opt = None
    if isinstance(opt, torch.optim.Optimizer):
        in_opt = {id(p) for g in opt.param_groups for p in g["params"]}
    total, frozen, rows = 0, 0, []
    for name, m in model.named_modules():
        w = getattr(m, "weight", None)
        if type(m).__name__ not in LAYERS or not isinstance(w, torch.nn.Parameter) or w.dim() < 2 or w.numel() < 2:
            continue
        total += w.numel()
        if w.requires_grad and (in_opt is None or id(w) in in_opt):
            continue
        frozen += w.numel()
        fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(w)
        bound = 1 / math.sqrt(fan_in)
        v = w.detach().double()
        rows.append((name, w.numel(), float(v.abs().max()) / bound, float(v.std()) / (bound / math.sqrt(3))))
    findings = {"frozen_weight_frac": frozen / total if total else None,
                "frozen_max_over_init_bound": _median(rows, 2), "frozen_std_over_init": _median(rows, 3)}
    notes = [] if rows else ["no Linear or Conv weight is frozen" if total else "the model has no Linear or Conv layer"]
    details = {"layers": [{"layer": r[0], "weights": r[1], "max_over_bound": r[2], "std_over_init": r[3]} for r in rows[:64]]}
    return Measurement(findings=findings, details=details, notes=notes)


def _median(rows, col):
    """The median of column ``col`` over the rows, each weighted by its number of weights (rows[1])."""
    if not rows:
        return None
    ordered = sorted(rows, key=lambda r: r[col])
    half, seen = sum(r[1] for r in rows) / 2, 0
    for r in ordered:
        seen += r[1]
        if seen >= half:
            return r[col]
    return ordered[-1][col]
