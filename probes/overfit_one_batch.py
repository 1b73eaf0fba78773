"""Probe `overfit-one-batch`: Overfit a single batch.

Trains on one batch for up to N steps with the subject's own optimizer and train_step, and
measures the loss curve; the KB (kb/symptoms/overfit-one-batch.yaml) reads its shape as the guide does.

How: the first batch (at most 64 samples; ``probes.one_batch``, whose losses numerics reads), up to 300 steps of ``training.step`` (the user's
train_step when given) with ``make_optimizer(subject)``; the model stays in the mode it is in
(dropout on in train mode: that is the user's setup).  It stops as soon as the curve is decided to
converge: the error at or under 0.1x its start (CONVERGED) for 10 steps in a row, never above 10x
its start before (that curve is "explodes" whatever follows); else at the first non-finite loss,
or after 300 steps (bounded in steps only: any machine
runs the same steps; the worker's time limit fails the probe instead of shortening it).  Ten steps in a row, not one: a step that mixes gradients
across calls can get near zero and blow up a few steps later, and that relapse is the fault's
signature.  A healthy set-up stops where it converges (Adam 1e-3 on the digits MLPs and CNNs and
the zoo's healthy cases: 50-180 steps; SGD 0.1 on an MLP ~250), so the cap bounds only the curves
that do not converge: it stays at 300, and "decreasing" and "plateaus" keep their meaning (how far
the error falls in 300 steps).  A curve that passes 10x its start is not cut short: what follows
the spike (killed units ending at the class frequencies, a slow way back) is what best_ratio and
oscillation describe.

The curve is read as an *error*: the loss minus its floor (the entropy of smoothed or soft labels for
cross-entropy and BCE, 0 otherwise; ``probes.loss_kind``), times the loss's sign — for a negated
loss (``-F.cross_entropy``) the optimizer lowers the value by raising the error, which is what the
guide calls "error goes up" (sign-flipped loss or gradient).  Ratios are to the first error; "last"
is the median of the last 5 steps (one noisy step does not decide).  The KB's decision list, in order
(the thresholds live in the YAML; these are their reasons):
  explodes    a non-finite loss, or the error above 10x its start at some step (a model training
              on one batch does not make its error tenfold: divergence or numerics);
  goes-up     the sign is flipped and the error rose, or the error ends above 1.5x its start;
  converges   the last error <= 0.1x the first: 90% of the reachable loss gone within 300 steps
              (Adam 1e-3 or SGD 0.1 on a small MLP get there; Adam 3e-4 is halfway);
  oscillates  not converged, and either the error overshot 1.5x its start at some step (an
              overshooting step; from near ln C no amount of dropout noise gets there) or the swings
              dominate: >= 35% of the steps went up, by a mean of >= 10% of the current error, and
              the last error is above 0.3x the first;
  decreasing  the last error below 0.7x the first (learning, but not there in N steps);
  plateaus    otherwise: within -30%/+50% of where it started (a too-high rate that killed the
              units after a small overshoot also ends here, at the loss of predicting the class
              frequencies: probe lr-range tells the two apart).
final_ratio and best_ratio are these error ratios; they equal last/first loss for a loss with a
zero floor and the usual sign (a converged run stops with them near 0.1, not near 0.01 as with the
old stop at 1%).  oscillation is the share over the steps run: a converged run, stopped early,
spends fewer noisy steps at its floor.  A loss that starts at or below its floor gives no ratios
(only a non-finite step, which still reads as explodes).
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, Plot, ProbeSpec

SPEC = ProbeSpec(
    id='overfit-one-batch',
    title='Overfit a single batch',
    needs=('model', 'train_data', 'loss_fn'),
    plots=(Plot('series', 'Overfitting one batch: loss per step', y='losses', xlabel='step', ylabel='loss'),),
    cost_s=4.0,
    doc="Trains on one batch for up to N steps with the subject's own optimizer and train_step, and measures the loss curve (the KB reads its shape as the guide does).",
    findings=(
        Finding('peak_ratio', 'number', 'highest error / first error'),
        Finding('rise_amplitude', 'number', 'mean relative size of the steps on which the error rose'),
        Finding('loss_sign', 'number', 'the sign the loss is optimised with: -1 for a negated loss (-F.cross_entropy), else 1'),
        Finding('final_ratio', 'number', 'last error / first error (error: the loss above its floor, sign-corrected; last: median of the last 5 steps)'),
        Finding('best_ratio', 'number', 'lowest error / first error'),
        Finding('oscillation', 'number', 'share of steps on which the error rose'),
        Finding('nonfinite', 'bool', 'some loss was NaN or Inf'),
        Finding('nonfinite_step', 'number', 'first step whose loss was NaN or Inf (None when all finite)'),
        Finding('steps', 'number', 'steps run'),
    ),
)

MAX_STEPS = 300
HOLD = 10  # steps in a row at or under CONVERGED that end the run
EXPLODE, CONVERGED = 10.0, 0.1  # the early stop: converged and never exploded (the KB's thresholds, read as a work bound)


def measure(subject, ctx) -> Measurement:
    import math
    import statistics

    import torch

    from dldoctor.probes import loss_kind, one_batch, training

    batch = one_batch.batch(subject)
    inputs, targets = batch
    sign, floor = _sign_and_floor(subject, inputs, targets, loss_kind, training, ctx.seed)
    optimizer = training.make_optimizer(subject)
    losses, raw, nonfinite, peak = [], [], None, float("-inf")
    max_steps = int(ctx.cache.get("overfit-one-batch:max_steps", MAX_STEPS))  # assert_trains(steps=...)
    for i in range(max_steps):
        value = training.step(subject, batch, optimizer)
        raw.append(value)
        losses.append(value if math.isfinite(value) else None)
        if not math.isfinite(value):
            nonfinite = i
            break
        first, peak = sign * (losses[0] - floor), max(peak, sign * (value - floor))
        held = [sign * (v - floor) for v in losses[-HOLD:]]
        if len(held) == HOLD and 0 < first and peak <= EXPLODE * first and max(held) <= CONVERGED * first:
            break
        ctx.progress((i + 1) / max_steps, "overfitting one batch")
    one_batch.keep(ctx, raw, all(bool(torch.isfinite(p.detach()).all()) for p in subject.model.parameters()))
    findings = dict(final_ratio=None, best_ratio=None, oscillation=None, peak_ratio=None, rise_amplitude=None,
                    loss_sign=sign, nonfinite=nonfinite is not None, nonfinite_step=nonfinite, steps=len(losses))
    details = {"losses": losses, "floor": floor, "sign": sign}
    notes = []
    errors = [sign * (v - floor) for v in losses if v is not None]
    if not errors or errors[0] <= 0:
        notes.append("the loss starts at or below its floor; its curve cannot be read as an error")
        return Measurement(findings=findings, details=details, notes=notes)
    first = errors[0]
    ups = [(b - a) / max(abs(a), 1e-12) for a, b in zip(errors, errors[1:]) if b > a]
    findings.update(final_ratio=statistics.median(errors[-5:]) / first, best_ratio=min(errors) / first,
                    oscillation=len(ups) / max(len(errors) - 1, 1))
    findings.update(peak_ratio=max(errors) / first, rise_amplitude=statistics.mean(ups) if ups else 0.0)
    return Measurement(findings=findings, details=details, notes=notes)


def _sign_and_floor(subject, inputs, targets, loss_kind, training, seed) -> tuple[float, float]:
    """The loss's sign and its lowest reachable value on this batch (no change to the model)."""
    import torch

    try:
        with torch.no_grad():
            out = training.predictions(training.forward(subject, inputs))
        kind = loss_kind.identify(subject.loss_fn, out, targets, seed) if torch.is_tensor(out) and torch.is_tensor(targets) else None
        if kind is None:
            return 1.0, 0.0
        sign = -1.0 if kind.scale < 0 else 1.0
        return sign, sign * kind.floor(out.detach(), targets)
    except (RuntimeError, ValueError, IndexError, TypeError):
        return 1.0, 0.0
