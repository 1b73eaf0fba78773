"""Probe `lr-range`: Learning-rate range test.

Sweeps the learning rate exponentially on copies of the model and finds where the loss falls
fastest; compares the configured rate with it.

How (Smith 2017, "Cyclical learning rates", and fastai's lr_find): a deep copy of the model, an
optimizer of the subject's class and hyper-parameters on it (``make_optimizer(subject, model=copy)``),
85 steps with the rate growing exponentially from 1e-5 to 10 (14 a decade; parameter groups keep
their ratios to the first group), cycling over the first 8 batches, each step through
``training.step`` with ``model=copy`` — the user's train_step when given; a train_step that ignores
its model argument trains the user's model instead (that model is restored afterwards) and the
sweep shows no change.  The loss is smoothed by the mean of the last cycle of batches (each batch
once, so the differences between batches cancel; lag 3.5 steps, a quarter of a decade).  The sweep
stops when a loss is not finite or, after the first cycle, the smoothed loss exceeds 4x its lowest
value: diverge_lr is that rate.

best_lr is the rate at the smoothed loss's minimum divided by 10 (the "min/10" rule): the minimum
is a robust landmark of a noisy curve, while the point of steepest descent (Smith's choice) moves
with one noisy step; the steepest point usually sits about a decade below the minimum, so the two
agree where both are clear.  The steepest point is kept in details for plots.  When the smoothed
loss never falls 10% below its start (the first cycle's mean), best_lr is None (nothing learned at
any rate: a bug, not a rate).  log10_lr_ratio = log10(configured_lr / best_lr).

Why 14 steps a decade (as Lightning's and fastai's finders: 100 over 7-8 decades), where 200 steps
over 1e-6..10 took 28: the cycle mean removes the batch-to-batch noise that an exponential average
(beta 0.9) needed the extra steps to damp; over five seeds the best rate of the digits MLP and CNN
varies by 0.1-0.15 decade (0.2 before).  Why from 1e-5: in the decade below, Adam moves a weight by
at most 1.4e-5 in 14 steps and SGD less: nothing is learned there, and Adam's sweep, which must
reach its minimum near 0.1, ends ~14 steps sooner (~65 steps in all).  Fewer steps a decade mean
the model has learned less when the rate reaches a given value: plain SGD on a slow learner (a
small CNN at 0.1) may not lower its loss by 10% before the sweep ends (best_lr None: no evidence,
not a false one).  On the digits MLP and CNN over five seeds: best_lr ~1e-2 for Adam and ~1e-1 for
SGD, a ratio of -0.9 to -1.45 for Adam 1e-3 (-0.7 to -1.4 with 200 steps), -1.5 to -1.95 for Adam
3e-4 (-1.2 to -1.9): the default rate sits at the "too low" line (-1.5) on these small models, as it
did before; -4 for Adam 1e-6, +2.9 for Adam 10, +1.9 for SGD 10.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, Plot, ProbeSpec

SPEC = ProbeSpec(
    id='lr-range',
    title='Learning-rate range test',
    needs=('model', 'train_data', 'loss_fn'),
    plots=(Plot('log_xy', 'Learning-rate range test', x='lrs', y='losses', marks=('configured_lr', 'best_lr'),
                xlabel='learning rate', ylabel='loss'),),
    cost_s=3.0,
    doc='Sweeps the learning rate exponentially on copies of the model and finds where the loss falls fastest; compares the configured rate with it.',
    findings=(
        Finding('configured_lr', 'number', "the optimizer's learning rate"),
        Finding('best_lr', 'number', 'a tenth of the learning rate at which the smoothed loss was lowest (min/10 rule)'),
        Finding('log10_lr_ratio', 'number', 'log10(configured_lr / best_lr): above ~1 too high, below ~-1.5 too low'),
        Finding('diverge_lr', 'number', 'smallest learning rate at which the loss diverged'),
        Finding('configured_over_diverge', 'number', 'configured_lr / diverge_lr (0 when the loss never diverged in the range: the divergence point lies beyond it)'),
    ),
)

LR_MIN, LR_MAX, STEPS, BATCHES = 1e-5, 10.0, 85, 8
DIVERGE, MIN_DROP = 4.0, 0.9


def measure(subject, ctx) -> Measurement:
    import copy
    import math

    from dldoctor.probes import training

    model = copy.deepcopy(subject.model)
    optimizer = training.make_optimizer(subject, model=model)
    base = [g["lr"] for g in optimizer.param_groups]
    batches = list(training.batches(subject.train_data, BATCHES))
    lrs, losses, smooth = [], [], []
    diverge_lr, notes, full = None, [], len(batches) - 1  # smooth[full:]: means over a whole cycle
    for i in range(STEPS):
        lr = LR_MIN * (LR_MAX / LR_MIN) ** (i / (STEPS - 1))
        for g, b in zip(optimizer.param_groups, base):
            g["lr"] = lr * (b / base[0] if base[0] else 1.0)
        value = training.step(subject, batches[i % len(batches)], optimizer, model=model)
        if not math.isfinite(value):
            diverge_lr = lr
            break
        lrs.append(lr)
        losses.append(value)
        cycle = losses[-len(batches):]
        smooth.append(sum(cycle) / len(cycle))
        if i > full and smooth[-1] > DIVERGE * min(smooth[full:]):
            diverge_lr = lr
            break
        ctx.progress((i + 1) / STEPS, "learning-rate range test")
    configured = training.configured_lr(subject)
    findings = dict(configured_lr=configured, best_lr=None, log10_lr_ratio=None, diverge_lr=diverge_lr,
                    configured_over_diverge=(configured / diverge_lr if diverge_lr else 0.0) if configured is not None else None)
    details = {"lrs": lrs, "losses": losses, "smoothed": smooth}
    cycles = smooth[full:]
    if cycles and min(cycles) < MIN_DROP * cycles[0]:  # cycles[0]: the first cycle, the rate still ~0
        low = full + cycles.index(min(cycles))
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
