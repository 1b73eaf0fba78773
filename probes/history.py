"""Probe `history`: Curves of a run already made.

Reads the subject's history (CSV, JSON lines, TensorBoard events or a dict of lists) and measures
the training curve and the over-training numbers.

- ``curve_*``: ``probes.curve.measure`` of train_loss (train_error when there is no loss); the KB judges its shape.
- ``final_train_ratio``: the curve's end level / start level (medians, see probes.curve).
- ``best_val_epoch_frac``: where the validation curve (val_loss, else val_error), smoothed by a
  moving median, is lowest, as a share of the run (0 = first entry, 1 = last).
- over-training: the numbers of ``probes.overtraining`` (one rule for histories and watch records,
  judged in kb/symptoms/history.yaml).
"""
from __future__ import annotations

from dldoctor.probes import curve, overtraining
from dldoctor.probes.spec import Finding, Measurement, Plot, ProbeSpec

SPEC = ProbeSpec(
    id='history',
    title='Curves of a run already made',
    needs=('history',),
    plots=(Plot('columns', "The run's curves", y='columns', names=('train_loss', 'val_loss', 'train_error', 'val_error'),
                xlabel='epoch / logged step'),),
    cost_s=0.1,
    runs_model=False,
    stage='evaluate',
    doc="Reads the subject's history (CSV, JSON lines, TensorBoard events or a dict of lists) and measures the training curve and over-training.",
    findings=(
        *curve.findings('curve_', 'training curve'),
        *overtraining.findings(),
        Finding('best_val_epoch_frac', 'number', 'position of the best validation loss, as a share of the run'),
        Finding('final_train_ratio', 'number', 'last training loss / first'),
    ),
)


def measure(subject, ctx) -> Measurement:
    from dldoctor.probes.history_file import read_history

    h = read_history(subject.history, subject.base_dir)
    train_name = next((n for n in ("train_loss", "train_error") if h.series(n)), None)
    val_name = next((n for n in ("val_loss", "val_error") if h.series(n)), None)
    from dldoctor.probes.curve import every

    train = every(h.series(train_name)) if train_name else []
    val = every(h.series(val_name)) if val_name else []
    findings = {f.name: None for f in SPEC.findings}
    m = Measurement(findings=findings, notes=list(h.notes),
                    details={"source": h.source, "columns": {k: thin(v) for k, v in h.columns.items()}})
    if train:
        numbers = curve.measure(train)
        findings.update({"curve_" + k: numbers[k] for k in curve.NUMBERS}, final_train_ratio=numbers["ratio"])
        m.details["train_curve"] = {"name": train_name, **numbers}
        if numbers["start"] is None:
            m.notes.append(f"{train_name} has {numbers['n']} values: too few to judge its shape")
    else:
        m.notes.append("the history has no train_loss or train_error")
    if val:
        over = overtraining.measure(val, train)
        findings.update({f.name: over[f.name] for f in overtraining.findings()}, best_val_epoch_frac=over["best_at"])
        m.details["val_curve"] = {"name": val_name, **over}
        if over["val_rise_over_best"] is not None and not over["has_train_curve"]:
            m.confidence.update({"val_rise_over_best": 0.6, "val_rise_over_gain": 0.6, "val_rise_noise": 0.6})
            m.notes.append("over-training judged on the validation curve alone (no training curve)")
    else:
        m.notes.append("the history has no val_loss or val_error")
    return m


def thin(values: list, most: int = 500) -> list:
    """At most ``most`` + 1 evenly spaced values, NaN/Inf as None (for plots; findings use every value)."""
    import math

    if len(values) > most:
        stride = len(values) / most
        values = [values[int(i * stride)] for i in range(most)] + [values[-1]]
    return [v if v is None or math.isfinite(v) else None for v in values]
