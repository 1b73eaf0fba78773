"""Probe `bias-variance`: Bias-variance decomposition.

Irreducible error (target_error), avoidable bias (train - target), variance (validation - train),
validation over-fitting (test - validation), from the history when there is one, else from a short
training run; compared with baselines.

Where the errors come from:

- ``history`` with a train_error column: the errors of the model one would ship, i.e. at the epoch
  of the lowest val_error (what early stopping or checkpoint selection keeps; selecting on the
  validation set is also what makes test - validation measure validation over-fitting), the last
  epoch when there is no val_error.  A test_error missing at that epoch is its last logged value.
  These errors are in the user's own unit.
- otherwise ``measured``: the shared training run (``probes.trained``: the subject's own optimizer
  and train_step, at most 30 epochs or 200 steps, bounded in steps so that any machine gives the
  same numbers; run_probe restores the model), then evaluated in eval mode on up to 10,000 rows of train_data, val_data and
  test_data.  Error = 1 - accuracy for classification (argmax over the class dimension; a single
  output is thresholded at 0 for logits, 0.5 for probabilities; multi-hot targets: per label); for
  regression, mean squared error / variance of the training targets (1 - R^2: 0 is perfect, 1 is
  the mean predictor), so that the terms share one scale whatever the targets' unit — a regression
  ``target_error`` is read in that unit.  A short run understates what long training reaches, so
  measured avoidable bias is an upper bound.

Baseline: the majority class of the training targets (the mean for regression) scored on the
validation targets (the training targets when there is no validation data).  ``compared_error`` is the
model's validation (else train) error, the one the KB sets against ``baseline_error``.
"""
from __future__ import annotations

import math

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='bias-variance',
    title='Bias-variance decomposition',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=6.0,
    stage='evaluate',
    report_section='bias_variance',
    doc='Irreducible error (target_error), avoidable bias (train - target), variance (validation - train), validation over-fitting (test - validation), from the history when there is one, else from a short training run; compared with baselines.',
    findings=(
        Finding('source', 'category', 'where the errors come from', values=('history', 'measured')),
        Finding('train_error', 'number', 'training error'),
        Finding('val_error', 'number', 'validation error'),
        Finding('test_error', 'number', 'test error'),
        Finding('target_error', 'number', 'the error to beat'),
        Finding('avoidable_bias', 'number', 'train_error - target_error'),
        Finding('variance', 'number', 'val_error - train_error'),
        Finding('val_overfitting', 'number', 'test_error - val_error'),
        Finding('baseline_error', 'number', 'error of the majority-class (or mean) predictor'),
        Finding('compared_error', 'number', "the model's validation error (its training error when there is no validation data), set against the baseline's"),
    ),
)

EVAL_ROWS = 10_000
SPLITS = ("train", "val", "test")


def measure(subject, ctx) -> Measurement:
    from dldoctor.probes.history_file import HistoryError

    notes, run = [], {}
    errors = None
    if subject.history is not None:
        try:
            errors, run = from_history(subject)
        except HistoryError as exc:
            notes.append(f"history not used: {exc}")
        if errors is None and not notes:
            notes.append("the history has no train_error column: errors measured by a short training run")
    source = "history" if errors is not None else "measured"
    if errors is None:
        errors, run = measured(subject, ctx, notes)
    target = None if subject.target_error is None else float(subject.target_error)
    errors = {s: e if e is None or math.isfinite(e) else None for s, e in errors.items()}
    train, val, test = (errors.get(s) for s in SPLITS)
    f = {"source": source, "train_error": train, "val_error": val, "test_error": test, "target_error": target,
         "avoidable_bias": _diff(train, target), "variance": _diff(val, train), "val_overfitting": _diff(test, val)}
    base, task = baseline(subject, ctx, run.get("task"), notes)
    if source == "history" and base is not None and (task == "regression" or max((e for e in errors.values() if e is not None), default=0) > 1):
        notes.append("the history's errors are in the user's unit: not compared with the baseline")
        base = None
    mine = val if val is not None else train
    f["baseline_error"] = base
    f["compared_error"] = mine
    m = Measurement(findings=f, notes=notes)
    m.details = {
        "terms": [{"name": "irreducible", "value": target}, {"name": "avoidable bias", "value": f["avoidable_bias"]},
                  {"name": "variance", "value": f["variance"]}, {"name": "distribution shift", "value": None},
                  {"name": "validation over-fitting", "value": f["val_overfitting"]}],
        "baselines": {("mean predictor" if task == "regression" else "majority class"): base},
        "errors": dict(errors), "task": task, "run": run}
    return m


def _diff(a, b):
    return None if a is None or b is None else a - b


def from_history(subject):
    """Errors at the best-validation epoch (else the last), or (None, {}) without train_error."""
    from dldoctor.probes.history_file import read_history

    h = read_history(subject.history, subject.base_dir)
    cols = {s: h.columns.get(f"{s}_error") or [] for s in SPLITS}
    if not any(v is not None for v in cols["train"]):
        return None, {}
    vals = [(v, i) for i, v in enumerate(cols["val"]) if v is not None and math.isfinite(v)]
    at = min(vals)[1] if vals else max(i for i, v in enumerate(cols["train"]) if v is not None)
    errors = {s: _nearest(cols[s], at, last=(s == "test")) for s in SPLITS}
    rule = "lowest val_error" if vals else "last epoch"
    return errors, {"epoch": at, "epochs": max(len(c) for c in cols.values()), "rule": rule, "task": None}


def _nearest(col, at, last=False):
    """The value at row ``at``, else the nearest logged one (the last logged one for ``last``)."""
    known = [(i, v) for i, v in enumerate(col) if v is not None]
    if not known:
        return None
    if at < len(col) and col[at] is not None:
        return col[at]
    return known[-1][1] if last else min(known, key=lambda iv: abs(iv[0] - at))[1]


def measured(subject, ctx, notes):
    """The shared training run's model (probes.trained), then its error on each split."""
    from dldoctor.probes.model_error import split_errors
    from dldoctor.probes.trained import trained

    model, run = trained(subject, ctx)
    subject.model.load_state_dict(model.state_dict())  # run_probe's preserved() puts the user's weights back
    run = dict(run)
    if run["stopped_by"] == "non-finite loss":
        notes.append(f"the training loss became NaN/Inf at step {run['steps']}")
    errors, task = split_errors(subject, {s: getattr(subject, f"{s}_data") for s in SPLITS}, EVAL_ROWS, notes)
    run["task"] = task
    return errors, run


def baseline(subject, ctx, task, notes):
    """(error of the training targets' majority class (mean) scored on val, else train; the task)."""
    from dldoctor.probes.dataset import DataUnreadable, rows
    from dldoctor.probes.model_error import baseline_error
    from dldoctor.probes.task import task_of

    try:
        y_train = rows(subject, ctx, "train").y
        y_eval = rows(subject, ctx, "val").y if subject.val_data is not None else y_train
    except DataUnreadable as exc:
        notes.append(f"no baseline: {exc}")
        return None, task
    task = task or task_of(subject, y_train)
    return baseline_error(y_train, y_eval, task), task
