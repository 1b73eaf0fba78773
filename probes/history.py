"""Probe `history`: Curves of a run already made.

Reads the subject's history (CSV, JSON lines, TensorBoard events or a dict of lists) and classifies
the training curve; detects over-training.

- ``curve``: ``probes.curve.classify`` of train_loss (train_error when there is no loss).
- ``final_train_ratio``: the curve's end level / start level (medians, see probes.curve).
- ``best_val_epoch_frac``: where the validation curve (val_loss, else val_error), smoothed by a
  moving median, is lowest, as a share of the run (0 = first entry, 1 = last).
- ``overtraining``: the smoothed validation minimum lies at most 80% into the run (early stopping
  would have kept an earlier model), and the curve has since risen clearly:

  * the end level (median of the last tenth, at least 2 values) exceeds the minimum by more than 10%
    of the minimum: the model early stopping would have kept is materially better than the last;
  * and by more than 2% of the improvement first -> minimum (guards minima near 0, where 10% of
    the minimum is nothing), and by more than 3 noise units (step-to-step swing, probes.curve.noise):
    the wobble of a flat, noisy curve stays below that, since the smoothed minimum sits only about
    one noise unit below a flat end;
  * while the training curve still fell over the same span (its end level is below its level at
    the same share of the run by more than 2% of the latter): a rising validation loss with a
    rising training loss is divergence, not over-training.

  Without a training curve the judgement rests on the validation curve alone (confidence 0.6).
  Fewer than 6 validation values: None.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='history',
    title='Curves of a run already made',
    needs=('history',),
    cost_s=0.1,
    runs_model=False,
    stage='evaluate',
    doc="Reads the subject's history (CSV, JSON lines, TensorBoard events or a dict of lists) and classifies the training curve; detects over-training.",
    findings=(
        Finding('curve', 'category', 'shape of the training-loss curve', values=('converges', 'decreasing', 'goes-up', 'explodes', 'oscillates', 'plateaus')),
        Finding('overtraining', 'bool', 'validation loss turned up while training loss still fell'),
        Finding('best_val_epoch_frac', 'number', 'position of the best validation loss, as a share of the run'),
        Finding('final_train_ratio', 'number', 'last training loss / first'),
    ),
)

LATEST_MINIMUM = 0.8
GIVE_BACK = 0.02
RISE_OF_MIN = 0.10
RISE_NOISE = 3.0
TRAIN_STILL_FALLING = 0.02
MIN_VAL_POINTS = 6


def measure(subject, ctx) -> Measurement:
    from dldoctor.probes.history_file import read_history

    h = read_history(subject.history, subject.base_dir)
    train_name = next((n for n in ("train_loss", "train_error") if h.series(n)), None)
    val_name = next((n for n in ("val_loss", "val_error") if h.series(n)), None)
    from dldoctor.probes.curve import every

    train = every(h.series(train_name)) if train_name else []
    val = every(h.series(val_name)) if val_name else []
    findings = {"curve": None, "overtraining": None, "best_val_epoch_frac": None, "final_train_ratio": None}
    m = Measurement(findings=findings, notes=list(h.notes),
                    details={"source": h.source, "columns": {k: thin(v) for k, v in h.columns.items()}})
    if train:
        from dldoctor.probes.curve import classify

        shape = classify(train)
        findings["curve"] = shape["shape"]
        findings["final_train_ratio"] = shape["ratio"]
        m.details["train_curve"] = {"name": train_name, **shape}
        if shape["shape"] is None:
            m.notes.append(f"{train_name} has {shape['n']} values: too few to judge its shape")
    else:
        m.notes.append("the history has no train_loss or train_error")
    if val:
        over = overtraining(val, train)
        findings["best_val_epoch_frac"] = over["best_at"]
        findings["overtraining"] = over["overtraining"]
        m.details["val_curve"] = {"name": val_name, **over}
        if over["overtraining"] is not None and not train:
            m.confidence["overtraining"] = 0.6
            m.notes.append("over-training judged on the validation curve alone (no training curve)")
    else:
        m.notes.append("the history has no val_loss or val_error")
    return m


def overtraining(val: list[float], train: list[float]) -> dict:
    """Where the smoothed validation curve bottoms out, how far it rose after, and the verdict."""
    import math

    from dldoctor.probes.curve import median, moving_median, noise

    val = [v for v in val if math.isfinite(v)]
    n = len(val)
    out = {"overtraining": None, "best_at": None, "first": None, "best": None, "end": None, "noise": None,
           "train_at_best": None, "train_end": None}
    if n < 2:
        return out
    smooth = moving_median(val)
    i_best = min(range(n), key=smooth.__getitem__)
    best_at = i_best / (n - 1)
    out["best_at"] = best_at
    if n < MIN_VAL_POINTS:
        return out
    k = max(2, n // 10)
    first, best, end, sigma = smooth[0], smooth[i_best], median(val[-k:]), noise(val)
    rise = end - best
    out.update(first=first, best=best, end=end, noise=sigma)
    turned_up = (best_at <= LATEST_MINIMUM and rise > GIVE_BACK * (first - best)
                 and rise > RISE_OF_MIN * abs(best) and rise > RISE_NOISE * sigma)
    train = [t for t in train if math.isfinite(t)]
    if turned_up and len(train) >= MIN_VAL_POINTS:
        tk = max(2, len(train) // 10)
        t_smooth = moving_median(train)
        t_best = t_smooth[round(best_at * (len(train) - 1))]
        t_end = median(train[-tk:])
        out.update(train_at_best=t_best, train_end=t_end)
        turned_up = t_end < t_best - TRAIN_STILL_FALLING * abs(t_best)
    out["overtraining"] = bool(turned_up)
    return out


def thin(values: list, most: int = 500) -> list:
    """At most ``most`` + 1 evenly spaced values, NaN/Inf as None (for plots; findings use every value)."""
    import math

    if len(values) > most:
        stride = len(values) / most
        values = [values[int(i * stride)] for i in range(most)] + [values[-1]]
    return [v if v is None or math.isfinite(v) else None for v in values]
