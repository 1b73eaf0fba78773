"""Probe `record`: findings of a run recorded by ``probes.watch`` (a JSON-lines file).

Torch-free: ``measure_file(path)`` reads a record and ``summarize(header, steps, evals)`` turns its
series into plain findings; the watch calls ``summarize`` on its in-memory rows for early warnings,
so the file and the live run are judged by the same numbers.  The record format is documented in
``probes/watch.py``.

Early/late: the run's record steps are split in quarters; "early" is the first quarter (at least 2
points), "late" the last quarter.  Trend findings need at least ``MIN_TREND`` record steps (None
before that): a warning on five points would be a coin toss.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from dldoctor.probes import curve, overtraining, record_signals
from dldoctor.probes.curve import median
from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='record',
    title='A run recorded by the watch',
    needs=('record',),
    external=True,
    cost_s=0.1,
    runs_model=False,
    stage='evaluate',
    doc="Reads a watch record (JSON lines written by probes.watch during the user's own training loop) and "
        "measures the loss curve, non-finite values, gradient norms over time, update-to-weight ratios, dead "
        "units, memory growth and the share of step time spent waiting for data.",
    findings=(
        Finding('steps', 'number', 'training steps recorded'),
        *curve.findings('curve_', 'training-loss curve (bin means)'),
        Finding('final_train_ratio', 'number', 'end level of the training loss / start level'),
        *overtraining.findings(),
        Finding('best_val_frac', 'number', 'position of the best validation loss, as a share of the evaluations'),
        Finding('nonfinite', 'bool', 'some loss or gradient norm was NaN or Inf'),
        Finding('nonfinite_step', 'number', 'first step whose loss or gradient norm was NaN or Inf (None when all finite)'),
        Finding('grad_norm_growth', 'number', 'log10 of the largest later total gradient norm / the early median', unit='log10'),
        Finding('first_last_grad_ratio_late', 'number', 'late median of: gradient RMS of the first weight layer / of the last'),
        Finding('update_ratio_median', 'number', 'median over record steps of the median over layers of |update| / |weight|'),
        Finding('update_ratio_late', 'number', 'the same median over the last quarter of the run'),
        Finding('update_ratio_max', 'number', 'largest over record steps of the median over layers of |update| / |weight|'),
        Finding('dead_frac_late', 'number', 'late median of the largest share, over ReLU layers, of units dead for a whole batch'),
        Finding('memory_growth_mb_per_1k_steps', 'number', 'median slope of memory (device, or host heap where larger) after the first quarter, between points a quarter apart', unit='MB/1k steps'),
        Finding('data_wait_frac', 'number', 'share of step time spent waiting for the next batch (median over windows)'),
        *record_signals.FINDINGS,
    ),
)

MIN_TREND = 6  # record steps needed before a trend (growth, slope, late medians) is reported
MAX_BINS = 400  # the loss curve is classified on at most this many bin means
# what an unfinished curve keeps (the watch's early warnings): a divergence, and a loss that gave back
# its gains (the rise since the best level), neither of which undoes itself
LIVE_NUMBERS = (*curve.EXPLODE_NUMBERS, "low", "rise_over_gain", "rise_rel", "rise_noise")


def read(path) -> tuple[dict, list[dict], list[dict], list[str]]:
    """(header, step rows, eval rows, notes) of a record file; ValueError names the line at fault."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    rows = [(i, s) for i, s in enumerate(lines, 1) if s.strip()]
    if not rows:
        raise ValueError("empty file: not a dldoctor watch record")
    header, steps, evals, notes = None, [], [], []
    for n, (lineno, text) in enumerate(rows):
        try:
            item = json.loads(text)
        except json.JSONDecodeError:
            if n == len(rows) - 1 and n > 0:  # a run killed mid-write leaves half a last line
                notes.append(f"line {lineno}: incomplete last line ignored")
                continue
            raise ValueError(f"line {lineno}: not JSON") from None
        except RecursionError:
            raise ValueError(f"line {lineno}: nested too deep for a watch record") from None
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            raise ValueError(f"line {lineno}: a number out of range ({str(exc).split(':')[0]})") from None
        if not isinstance(item, dict):
            raise ValueError(f"line {lineno}: expected a JSON object")
        kind = item.get("kind")
        if header is None:
            if kind != "header":
                raise ValueError(f"line {lineno}: not a dldoctor watch record (the first line must be the header)")
            if type(item.get("version")) is not int or item.get("version") != 1:
                raise ValueError(f"line {lineno}: unsupported record version {item.get('version')!r} (expected 1)")
            _check(item, _HEADER, lineno)
            header = item
        elif kind == "step":
            if type(item.get("step")) is not int:
                raise ValueError(f"line {lineno}: a step line needs an integer 'step'")
            _check(item, _STEP, lineno)
            steps.append(item)
        elif kind == "eval":
            _check(item, _EVAL, lineno)
            if item.get("step") is None:  # an evaluation with no step: after the last step so far
                item["step"] = steps[-1]["step"] if steps else 0
            evals.append(item)
    return header, steps, evals, notes


# The types of the fields the findings read (others are kept as they are): a record from elsewhere is
# checked here, so that a wrong type is one line naming the line and key, never a traceback.
_NUM, _INT, _BOOL, _NUMS, _TEXT, _MAP = ("a number", "an integer of at most 15 digits", "true or false",
                                         "a list of numbers", "text", "an object of numbers")
_STEP = {"step": _INT, "losses": _NUMS, "loss": _NUM, "timed_steps": _INT, "step_time": _NUM, "data_time": _NUM,
         "recorded": _BOOL, "nonfinite_grad": _BOOL, "grad_norm": _NUM, "first_last_grad_ratio": _NUM,
         "update_ratio": _NUM, "dead_frac": _NUM, "memory_mb": _NUM, "host_mb": _NUM, "lr": _NUMS, "t": _NUM}
_EVAL = {"step": _INT, "metrics": _MAP, "t": _NUM}
_HEADER = {"memory": _TEXT, "every": _INT}
_STEP_LIMIT = 10**15  # a step index beyond any run (and exact in float arithmetic)


def _fits(v, kind: str) -> bool:
    if v is None:
        return True
    if kind == _NUM:  # NaN and Infinity are numbers (a non-finite loss is evidence); an int must fit a float
        return isinstance(v, float) or (type(v) is int and abs(v) < 2**1000)
    if kind == _INT:
        return type(v) is int and -_STEP_LIMIT < v < _STEP_LIMIT
    if kind == _BOOL:
        return isinstance(v, bool)
    if kind == _TEXT:
        return isinstance(v, str)
    if kind == _NUMS:
        return isinstance(v, list) and all(_fits(x, _NUM) for x in v)
    return isinstance(v, dict) and all(isinstance(k, str) and _fits(x, _NUM) for k, x in v.items())


def _check(item: dict, types: dict, lineno: int) -> None:
    for key, kind in types.items():
        if key in item and not _fits(item[key], kind):
            got = item[key]
            shown = type(got).__name__ if isinstance(got, (list, dict, str)) else repr(got)[:40]
            raise ValueError(f"line {lineno}: '{key}' must be {kind} or null, got {shown}")


def measure_file(path) -> Measurement:
    """Findings of a record file (OSError when unreadable, ValueError when it is not a record)."""
    header, steps, evals, notes = read(path)
    m = summarize(header, steps, evals)
    m.notes[:0] = notes
    return m


def measure(subject, ctx) -> Measurement:
    path = getattr(subject, "record", None)
    if path is None:
        raise ValueError("the subject has no record (a file written by probes.watch)")
    return measure_file(path)


# ---------------------------------------------------------------- the findings

def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _losses(steps: list[dict]) -> tuple[list[int], list[float]]:
    """Every per-step loss as (step, value); NaN for a non-finite one (null in the file)."""
    at, vals = [], []
    for row in steps:
        losses = row.get("losses") or []
        first = row["step"] - len(losses) + 1
        for j, v in enumerate(losses):
            at.append(first + j)
            vals.append(float(v) if isinstance(v, (int, float)) else math.nan)
    return at, vals


def _bins(at: list[int], vals: list[float], k: int = MAX_BINS) -> tuple[list[int], list[float]]:
    """Means of consecutive bins (NaN when a bin holds a NaN): a long run's curve at a bounded cost."""
    if len(vals) <= k:
        return at, vals
    size = len(vals) / k
    xs, ys = [], []
    for b in range(k):
        lo, hi = int(b * size), int((b + 1) * size)
        chunk = vals[lo:hi]
        xs.append(at[hi - 1])
        ys.append(sum(chunk) / len(chunk))
    return xs, ys


def _quarters(n: int) -> tuple[int, int]:
    """(end of the early part, start of the late part) for n record steps."""
    q = max(2, n // 4)
    return q, max(q, n - q)


def _lagged_slope(xs: list[float], ys: list[float]) -> float | None:
    """Median slope between points a quarter of the series apart: a steady trend gives its slope, a
    one-off jump (a buffer allocated once) moves at most a third of the pairs and so not the median."""
    lag = max(1, len(xs) // 4)
    slopes = [(ys[i + lag] - ys[i]) / (xs[i + lag] - xs[i]) for i in range(len(xs) - lag) if xs[i + lag] != xs[i]]
    return median(slopes) if slopes else None


def _memory_slope(rows: list[dict], key: str) -> float | None:
    pts = [(r["step"], _num(r.get(key))) for r in rows]
    pts = [(s, v) for s, v in pts if v is not None]
    return _lagged_slope([s for s, _ in pts], [v for _, v in pts]) if len(pts) >= MIN_TREND // 2 + 1 else None


def _overtraining(losses: list[float], evals: list[dict]) -> dict:
    """The over-training numbers (``probes.overtraining``) of the eval curve against the training losses."""
    key = _val_key(evals)
    vals = [_num(e["metrics"].get(key)) for e in evals if key and isinstance(e.get("metrics"), dict)]
    return overtraining.measure([v for v in vals if v is not None], losses)


def _val_key(evals: list[dict]) -> str | None:
    keys = [k for e in evals for k in (e.get("metrics") or {})]
    for want in ("val_loss", "valid_loss", "validation_loss", "loss"):
        if want in keys:
            return want
    return next((k for k in keys if "loss" in k), None)


def summarize(header: dict, steps: list[dict], evals: list[dict], live: bool = False) -> Measurement:
    """Findings (and plot-ready details) of a record's step and eval rows.

    live: the run is still going (the watch's early warnings).  A curve's shape is then reported only
    when it ``explodes`` or ``goes-up`` (``LIVE_SHAPES``): a divergence or a loss that gave back most
    of its gains does not undo itself, whereas an unfinished curve that looks flat or noisy so far (a
    slow start, a warm-up) has no shape yet.
    """
    f = {s.name: None for s in SPEC.findings}
    conf, notes = {}, []
    at, losses = _losses(steps)
    last_step = steps[-1]["step"] if steps else None
    f["steps"] = last_step + 1 if last_step is not None else 0

    bx, by = _bins(at, losses)
    shape = curve.measure(by)
    f.update({"curve_" + k: shape[k] for k in curve.NUMBERS}, final_train_ratio=shape["ratio"])
    if live:  # an unfinished curve has no shape yet, except a divergence or a loss giving back its gains
        f.update({"curve_" + k: None for k in curve.NUMBERS if k not in LIVE_NUMBERS})
    over = _overtraining(losses, evals)
    f.update({x.name: over[x.name] for x in overtraining.findings()}, best_val_frac=over["best_at"])

    bad = [s for s, v in zip(at, losses) if not math.isfinite(v)]
    bad += [r["step"] for r in steps if r.get("nonfinite_grad")]
    f["nonfinite"] = bool(bad) if steps else None
    f["nonfinite_step"] = min(bad) if bad else None

    rec = [r for r in steps if r.get("recorded")]
    n = len(rec)
    early_end, late_start = _quarters(n)
    if n >= MIN_TREND:
        conf_trend = 1.0 if n >= 2 * MIN_TREND else 0.7
        g = [_num(r.get("grad_norm")) for r in rec]
        early = [v for v in g[:early_end] if v is not None and v > 0]
        later = [v for v in g[early_end:] if v is not None]
        if early and later:
            f["grad_norm_growth"] = math.log10(max(max(later), 1e-300) / median(early))
            conf["grad_norm_growth"] = conf_trend
        for name, key in (("first_last_grad_ratio_late", "first_last_grad_ratio"), ("update_ratio_late", "update_ratio"),
                          ("dead_frac_late", "dead_frac")):
            late = [v for v in (_num(r.get(key)) for r in rec[late_start:]) if v is not None]
            f[name] = median(late) if late else None
        ups = [v for v in (_num(r.get("update_ratio")) for r in rec) if v is not None]
        f["update_ratio_median"] = median(ups) if ups else None
        f["update_ratio_max"] = max(ups) if ups else None
        slopes = [s for s in (_memory_slope(rec[early_end:], key) for key in ("memory_mb", "host_mb")) if s is not None]
        if slopes:
            f["memory_growth_mb_per_1k_steps"] = 1000.0 * max(slopes)
            conf["memory_growth_mb_per_1k_steps"] = conf_trend

    more, more_details, more_notes = record_signals.findings(header, steps, rec, shape, at, losses, early_end,
                                                             f["update_ratio_late"], f["dead_frac_late"], MIN_TREND)
    f.update(more)
    notes += more_notes
    # the watch samples the data wait on record steps (one step a window): the median over windows of
    # sampled wait / mean step time, so that one pre-empted sample does not count for its whole window
    shares = []
    for r in steps:  # step 0 is never timed: it has no previous step (start-up costs stay out)
        k, st, dt = r.get("timed_steps") or 0, _num(r.get("step_time")), _num(r.get("data_time"))
        if k and st is not None and dt is not None and st > 0:
            shares.append(min(1.0, dt / st))
    f["data_wait_frac"] = median(shares) if shares else None
    if header.get("memory") == "rss":
        notes.append("memory is the process's resident set size: it misses leaks that reuse freed pages")

    details = {
        "loss": {"step": bx, "value": [v if math.isfinite(v) else None for v in by]},
        "grad_norm": _series(rec, "grad_norm"),
        "memory_mb": _series(rec, "memory_mb"),
        "update_ratio": _series(rec, "update_ratio"),
        "dead_frac": _series(rec, "dead_frac"),
        "lr": {"step": [r["step"] for r in rec if r.get("lr")], "value": [r["lr"][0] for r in rec if r.get("lr")]},
        "step_time": _series(steps, "step_time"),
        "data_time": _series(steps, "data_time"),
        "evals": [{"step": e.get("step"), **(e.get("metrics") or {})} for e in evals],
        "curve": {k: v for k, v in shape.items() if k != "shape"},
        "header": {k: header.get(k) for k in ("model", "params", "every", "device", "memory", "optimizer")},
        **more_details,
    }
    return Measurement(findings=f, confidence=conf, details=details, notes=notes)


def _series(rows: list[dict], key: str) -> dict:
    pts = [(r["step"], _num(r.get(key))) for r in rows if key in r]
    return {"step": [s for s, _ in pts], "value": [v for _, v in pts]}
