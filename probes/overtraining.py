"""The numbers over-training is judged on, for any pair of curves (a history's epochs, a watch record's evals).

One rule, in ``kb/symptoms/history.yaml`` and ``kb/symptoms/record.yaml`` alike: the smoothed validation
curve bottomed out well before the end and has since risen clearly, while the training curve still fell.
This module only measures:

- ``val_best_at``: where the validation curve (moving median) is lowest, as a share of the run (0..1);
- ``val_rise_over_gain``: (end - best) / (first - best): the share of the validation improvement given back
  (``curve.BIG`` when it never improved but rose);
- ``val_rise_over_best``: (end - best) / |best|: how much worse the last model is than the best one;
- ``val_rise_noise``: (end - best) / noise (the step-to-step swing, ``curve.noise``);
- ``train_fall_since_best``: (train level at the best's position - train end) / |that level|: the training
  curve's fall over the same span (negative when it rose);
- ``has_train_curve``: a training curve long enough to be read (else the judgement rests on validation alone).

``end`` is the median of the last tenth (at least 2 values).  Fewer than ``MIN_POINTS`` validation values:
every number is None (``best_at``, a detail, needs only 2).
"""
from __future__ import annotations

import math

MIN_POINTS = 6  # values needed before a validation curve's minimum and end are told apart from its noise


def findings():
    from dldoctor.probes.spec import Finding

    return (
        Finding('val_best_at', 'number', 'where the smoothed validation curve is lowest (0..1 of the run)'),
        Finding('val_rise_over_gain', 'number', 'validation (end - best) / (first - best)'),
        Finding('val_rise_over_best', 'number', 'validation (end - best) / |best|'),
        Finding('val_rise_noise', 'number', 'validation (end - best) / noise'),
        Finding('train_fall_since_best', 'number', 'training-curve fall from the validation best to the end, relative'),
        Finding('has_train_curve', 'bool', 'a training curve of at least 6 values was read'),
    )


def measure(val: list[float], train: list[float]) -> dict:
    """The numbers above, plus plot details (first, best, end, noise, train_at_best, train_end)."""
    from dldoctor.probes.curve import median, moving_median, noise, quotient

    val = [v for v in val if v is not None and math.isfinite(v)]
    train = [t for t in train if t is not None and math.isfinite(t)]
    out = {"val_best_at": None, "val_rise_over_gain": None, "val_rise_over_best": None, "val_rise_noise": None,
           "train_fall_since_best": None, "has_train_curve": len(train) >= MIN_POINTS,
           "best_at": None, "first": None, "best": None, "end": None, "noise": None, "train_at_best": None, "train_end": None}
    n = len(val)
    if n < 2:
        return out
    smooth = moving_median(val)
    i_best = min(range(n), key=smooth.__getitem__)
    best_at = i_best / (n - 1)
    out["best_at"] = best_at
    if n < MIN_POINTS:
        return out
    out["val_best_at"] = best_at
    k = max(2, n // 10)
    first, best, end, sigma = smooth[0], smooth[i_best], median(val[-k:]), noise(val)
    rise = end - best
    out.update(first=first, best=best, end=end, noise=sigma, val_rise_over_gain=quotient(rise, first - best),
               val_rise_over_best=quotient(rise, abs(best)), val_rise_noise=quotient(rise, sigma))
    if out["has_train_curve"]:
        tk = max(2, len(train) // 10)
        t_best = moving_median(train)[round(best_at * (len(train) - 1))]
        t_end = median(train[-tk:])
        out.update(train_at_best=t_best, train_end=t_end, train_fall_since_best=(t_best - t_end) / (abs(t_best) or 1e-12))
    return out
