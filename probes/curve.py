"""The numbers a loss curve's shape is judged on; the shapes themselves are KB symptoms.

Pure Python (no torch, no numpy) so that any probe, and the history reader, can measure a list of
floats.  ``measure(values)`` returns plain numbers; ``kb/symptoms/history.yaml`` (and the record's and
the overfit run's symptoms) judge them as a decision list: explodes, goes up, oscillates, plateaus,
converges, else still decreasing.

Levels, not points: per-step losses are noisy, so the curve is judged on robust levels.

- ``start``: median of the first 3 values.  The first steps are all near the initial loss (the model
  has not moved yet), while a wider window would already include the fast early drop.
- ``end``: median of the last tenth (at least 2 values): the end is where the noise matters.
- ``q3``: median of a tenth-wide window centred at 75% of the run.
- ``noise``: robust step-to-step swing (from the median absolute deviation of the second
  differences): the batch-to-batch (or epoch-to-epoch) noise, blind to a smooth trend.
- ``low``: minimum of the moving median (window: a tenth of the run, 3 to 51 values): the best level
  the curve held, not one lucky batch.

The ratios the KB compares (each a plain quotient; ``BIG`` stands for a quotient whose denominator is
zero or negative while the numerator is positive, so that "more than x times" still reads true):

- ``ratio`` = end / start; ``drop`` = (start - end) / |start|;
- ``rise_over_gain`` = (end - low) / (start - low): how much of its best improvement the run gave back;
- ``rise_rel`` = (end - low) / |start|; ``rise_noise`` = (end - low) / noise;
- ``swing_over_drop`` = noise / (start - end); ``swing_level`` = noise / max(|start|, |end|);
- ``late_share`` = (q3 - end) / (start - end): the share of the drop the last quarter brought;
- ``nonfinite``: a NaN/Inf value (the curve is measured up to it), ``nonfinite_at`` where (0..1).

Fewer than 4 finite values: every number ``None`` (too short to judge).  Logs longer than 20,000 values
are read every k-th value (a stride keeps the per-step noise, which block averages would hide).
"""
from __future__ import annotations

import math

BIG = 1e6  # a quotient with a zero or negative denominator and a positive numerator
MIN_POINTS = 4
MAX_WINDOW = 51
MAX_POINTS = 20_000


def median(xs) -> float:
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return float("nan")
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def every(values, most: int = MAX_POINTS) -> list:
    """Every k-th value (and the last) so that at most about ``most`` remain; per-point noise is kept."""
    k = -(-len(values) // most)
    return list(values) if k <= 1 else list(values[::k]) + ([values[-1]] if (len(values) - 1) % k else [])


def window(n: int) -> int:
    """Odd moving-median window: a tenth of the run, at least 3, at most 51 (cost on long logs)."""
    w = min(MAX_WINDOW, max(3, n // 10))
    return w if w % 2 else w + 1


def moving_median(values, w: int | None = None) -> list[float]:
    """Centred moving median (windows truncated at the ends)."""
    n = len(values)
    h = (w or window(n)) // 2
    return [median(values[max(0, i - h): i + h + 1]) for i in range(n)]


def noise(values) -> float:
    """Robust step-to-step swing: 1.4826 * MAD of the second differences / sqrt(6).

    Second differences cancel a locally straight trend (first differences would mistake a curve's
    bend for noise), and the MAD ignores the few steps of a fast early drop; for independent noise
    of spread s the result is s.
    """
    d = [a - 2 * b + c for a, b, c in zip(values, values[1:], values[2:])]
    if not d:
        return 0.0
    m = median(d)
    return 1.4826 * median([abs(x - m) for x in d]) / math.sqrt(6)


def level(values, at: float, k: int) -> float:
    """Median of ``k`` values centred at fraction ``at`` of the run."""
    n = len(values)
    c = round(at * (n - 1))
    lo = min(max(0, c - k // 2), n - k)
    return median(values[lo: lo + k])


NUMBERS = ("start", "end", "low", "low_at", "ratio", "drop", "rise_over_gain", "rise_rel", "rise_noise",
           "swing_over_drop", "swing_level", "late_share", "noise", "nonfinite", "nonfinite_at")
EXPLODE_NUMBERS = ("start", "ratio", "nonfinite", "nonfinite_at")  # what is known of an unfinished run


def quotient(a: float, b: float) -> float:
    """a / b, with BIG (a positive numerator) or 0 (otherwise) when b <= 0."""
    if b > 0:
        return a / b
    return BIG if a > 0 else 0.0


def measure(values) -> dict:
    """The curve's numbers (plain floats and one bool; None where undefined), plus ``n`` values read."""
    vals = every([float(v) for v in values if v is not None])
    out = dict.fromkeys(NUMBERS)
    out["n"] = len(vals)
    bad = next((i for i, v in enumerate(vals) if not math.isfinite(v)), None)
    if bad is not None:
        out.update(nonfinite=True, nonfinite_at=bad / max(1, len(vals) - 1))
        vals = vals[:bad]
    elif len(vals) >= MIN_POINTS:
        out["nonfinite"] = False
    if len(vals) < MIN_POINTS:
        return out
    n = len(vals)
    k = max(2, n // 10)
    smooth = moving_median(vals)
    start, end = median(vals[:3]), median(vals[-k:])
    i_low = min(range(n), key=smooth.__getitem__)
    low, sigma = smooth[i_low], noise(vals)
    q3 = level(vals, 0.75, k)
    scale = abs(start) or 1e-12
    total, rise = start - end, end - low
    out.update(start=start, end=end, low=low, low_at=i_low / (n - 1), ratio=end / start if start else None,
               drop=total / scale, late_share=(q3 - end) / total if total > 0 else None, noise=sigma,
               rise_over_gain=quotient(rise, start - low), rise_rel=rise / scale, rise_noise=quotient(rise, sigma),
               swing_over_drop=quotient(sigma, max(total, 0.0)) if sigma > 0 else (BIG if total <= 0 else 0.0),
               swing_level=quotient(sigma, max(abs(start), abs(end))) if sigma > 0 else (BIG if max(abs(start), abs(end)) == 0 else 0.0))
    return out


def findings(prefix: str, what: str):
    """The declared findings for a curve's numbers, named ``prefix + number``."""
    from dldoctor.probes.spec import Finding

    docs = {"start": "start level (median of the first 3 values)", "end": "end level (median of the last tenth)",
            "low": "best level held (minimum of the moving median)", "low_at": "where the best level was held (0..1 of the run)",
            "ratio": "end / start", "drop": "(start - end) / |start|", "rise_over_gain": "(end - low) / (start - low): share of the best improvement given back",
            "rise_rel": "(end - low) / |start|", "rise_noise": "(end - low) / noise", "swing_over_drop": "noise / (start - end)",
            "swing_level": "noise / max(|start|, |end|)", "late_share": "(q3 - end) / (start - end): share of the drop brought by the last quarter",
            "noise": "robust step-to-step swing", "nonfinite": "some value was NaN or Inf", "nonfinite_at": "where the first NaN/Inf was (0..1 of the run)"}
    return tuple(Finding(prefix + k, "bool" if k == "nonfinite" else "number", f"{what}: {docs[k]}") for k in NUMBERS)
