"""Probe `lr-range`: Learning-rate range test.

Sweeps the learning rate exponentially on copies of the model and finds where the loss falls
fastest; compares the configured rate with it.

How (Smith 2017, "Cyclical learning rates", and fastai's lr_find): a deep copy of the model, an
optimizer of the subject's class and hyper-parameters on it (``make_optimizer(subject, model=copy)``),
200 steps with the rate growing exponentially from 1e-6 to 10 (parameter groups keep their ratios
to the first group), cycling over the first 8 batches, each step through ``training.step`` with
``model=copy`` — the user's train_step when given; a train_step that ignores its model argument
trains the user's model instead (that model is restored afterwards) and the sweep shows no change.
The loss is smoothed by an exponential moving average (beta 0.9, bias-corrected).  The sweep stops
when a loss is not finite or the smoothed loss exceeds 4x its lowest value: diverge_lr is that rate.

best_lr is the rate at the smoothed loss's minimum divided by 10 (the "min/10" rule): the minimum
is a robust landmark of a noisy curve, while the point of steepest descent (Smith's choice) moves
with one noisy step; the steepest point usually sits about a decade below the minimum, so the two
agree where both are clear.  The steepest point is kept in details for plots.  When the smoothed
loss never falls 10% below its start, best_lr is None (nothing learned at any rate: a bug, not a
rate).  log10_lr_ratio = log10(configured_lr / best_lr).

Why 200 steps over 7 decades (~28 a decade): with 100 steps over 8 decades plain SGD gets too few
steps at useful rates to lower the loss by 10% before it diverges, and the minimum of Adam's curve
moves up with fewer steps (the model has learned less when the rate gets there).  On the digits MLP
this gives best_lr ~1e-2 for Adam and ~1e-1 for SGD, i.e. a ratio of about -1 for Adam 1e-3, about
-1.5 for Adam 3e-4, +3 for Adam 10.
"""
from __future__ import annotations

from probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='lr-range',
    title='Learning-rate range test',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=3.0,
    doc='Sweeps the learning rate exponentially on copies of the model and finds where the loss falls fastest; compares the configured rate with it.',
    findings=(
        Finding('configured_lr', 'number', "the optimizer's learning rate"),
        Finding('best_lr', 'number', 'a tenth of the learning rate at which the smoothed loss was lowest (min/10 rule)'),
        Finding('log10_lr_ratio', 'number', 'log10(configured_lr / best_lr): above ~1 too high, below ~-1.5 too low'),
        Finding('diverge_lr', 'number', 'smallest learning rate at which the loss diverged'),
        Finding('configured_diverges', 'bool', 'the configured learning rate is at or above the divergence point'),
    ),
)

LR_MIN, LR_MAX, STEPS, BATCHES = 1e-6, 10.0, 200, 8
BETA, DIVERGE, MIN_DROP = 0.9, 4.0, 0.9


def measure(subject, ctx) -> Measurement:
    import copy
    import math

    from probes import training

    model = copy.deepcopy(subject.model)
    optimizer = training.make_optimizer(subject, model=model)
    base = [g["lr"] for g in optimizer.param_groups]
    batches = list(training.batches(subject.train_data, BATCHES))
    lrs, losses, smooth = [], [], []
    avg, diverge_lr, notes = 0.0, None, []
    for i in range(STEPS):
        lr = LR_MIN * (LR_MAX / LR_MIN) ** (i / (STEPS - 1))
        for g, b in zip(optimizer.param_groups, base):
            g["lr"] = lr * (b / base[0] if base[0] else 1.0)
        value = training.step(subject, batches[i % len(batches)], optimizer, model=model)
        if not math.isfinite(value):
            diverge_lr = lr
            break
        avg = BETA * avg + (1 - BETA) * value
        lrs.append(lr)
        losses.append(value)
        smooth.append(avg / (1 - BETA ** (i + 1)))
        if smooth[-1] > DIVERGE * min(smooth):
            diverge_lr = lr
            break
        if ctx.time_left() < 0.5:
            notes.append(f"stopped at lr {lr:.2g} for lack of time")
            break
        ctx.progress((i + 1) / STEPS, "learning-rate range test")
    configured = training.configured_lr(subject)
    findings = dict(configured_lr=configured, best_lr=None, log10_lr_ratio=None, diverge_lr=diverge_lr,
                    configured_diverges=diverge_lr is not None and configured >= diverge_lr)
    details = {"lrs": lrs, "losses": losses, "smoothed": smooth}
    start = sum(losses[:BATCHES]) / max(len(losses[:BATCHES]), 1)  # one cycle of batches, the rate still ~0
    if smooth and min(smooth) < MIN_DROP * start:
        low = smooth.index(min(smooth))
        findings["best_lr"] = lrs[low] / 10
        details["min_lr"] = lrs[low]
        details["steepest_lr"] = _steepest(lrs[: low + 1], smooth[: low + 1])
        if configured > 0:
            findings["log10_lr_ratio"] = math.log10(configured / findings["best_lr"])
    else:
        notes.append("the loss did not fall at any learning rate of the sweep")
    return Measurement(findings=findings, details=details, notes=notes)


def _steepest(lrs: list, smooth: list) -> float | None:
    """The rate where the smoothed loss falls fastest per decade of rate."""
    import math

    if len(lrs) < 3:
        return None
    slopes = [(smooth[i + 1] - smooth[i - 1]) / math.log10(lrs[i + 1] / lrs[i - 1]) for i in range(1, len(lrs) - 1)]
    return lrs[1 + slopes.index(min(slopes))]
