"""The shape of a loss curve: converges, decreasing, goes-up, explodes, oscillates or plateaus.

Pure Python (no torch, no numpy) so that any probe, and the history reader, can classify a list of
floats.  ``classify(values)`` returns the shape and the numbers it was judged on.

Levels, not points: per-step losses are noisy, so the curve is judged on robust levels.

- ``start``: median of the first 3 values.  The first steps are all near the initial loss (the model
  has not moved yet), while a wider window would already include the fast early drop.
- ``end``: median of the last tenth (at least 2 values): the end is where the noise matters.
- ``q3``: median of a tenth-wide window centred at 75% of the run.
- ``noise``: robust step-to-step swing (from the median absolute deviation of the second
  differences): the batch-to-batch (or epoch-to-epoch) noise, blind to a smooth trend.
- ``low``: minimum of the moving median (window: a tenth of the run, 3 to 51 values): the best level
  the curve held, not one lucky batch.

Shapes, checked in this order (first match wins):

- ``explodes``: a NaN/Inf value, or ``end >= 10 * start``.  A loss that ends an order of magnitude
  above where it started has diverged (divergence grows geometrically), not drifted.
- ``goes-up``: the end level is above the best level by more than a fifth of the best improvement
  ``start - low`` (healthy training keeps its gains: its end sits within noise of its best), and the
  rise is material: above 5% of ``start`` and above 3 * noise (the smoothed ``low`` of a flat noisy
  curve sits only about one noise unit below its end).
- ``oscillates``: the swing is comparable to the progress: ``noise >= 0.3 * (start - end)``, and the
  swing is at least 10% of the loss level (a jitter of a few percent on a flat curve is a plateau,
  not a swing).  Healthy mini-batch noise is a few percent of the total drop; a bounce of amplitude
  A around a level gives a noise of about A, against a net drop of at most 2A.
- ``plateaus``: the loss fell by less than 10% of ``start``.  Any model that learns reduces its
  training loss far more over a run (cross-entropy from ln K towards 0); under 10% is a stuck model.
- ``converges``: the last quarter of the run brought less than 10% of the total drop
  (``(q3 - end) / (start - end) < 0.1``).  For an exponential decay this means at least two time
  constants are done (one time constant left gives 17%, a straight line 25%).
- ``decreasing``: otherwise — still falling at a good rate at the end.

Fewer than 4 finite values: shape ``None`` (too short to judge).  Logs longer than 20,000 values are
read every k-th value (a stride keeps the per-step noise, which block averages would hide).
"""
from __future__ import annotations

import math

SHAPES = ("converges", "decreasing", "goes-up", "explodes", "oscillates", "plateaus")

EXPLODE_FACTOR = 10.0
GIVE_BACK = 0.2
MATERIAL = 0.05
OSC_SWING = 0.3
SWING_LEVEL = 0.10
PLATEAU_DROP = 0.10
LATE_SHARE = 0.10
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


def classify(values) -> dict:
    """Shape of a loss curve and its numbers (all plain floats; None where undefined)."""
    vals = every([float(v) for v in values if v is not None])
    out = {"shape": None, "n": len(vals), "start": None, "end": None, "low": None, "low_at": None,
           "ratio": None, "drop": None, "late_share": None, "noise": None, "nonfinite_at": None}
    bad = next((i for i, v in enumerate(vals) if not math.isfinite(v)), None)
    if bad is not None:
        out.update(shape="explodes", nonfinite_at=bad / max(1, len(vals) - 1))
        vals = vals[:bad]
        if len(vals) < MIN_POINTS:
            return out
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
    total = start - end
    out.update(start=start, end=end, low=low, low_at=i_low / (n - 1), ratio=end / start if start else None,
               drop=total / scale, late_share=(q3 - end) / total if total > 0 else None, noise=sigma)
    if out["shape"] == "explodes":
        return out
    rise, best = end - low, start - low
    if start > 0 and end >= EXPLODE_FACTOR * start:
        shape = "explodes"
    elif rise > GIVE_BACK * best and rise > MATERIAL * scale and rise > 3 * sigma:
        shape = "goes-up"
    elif sigma >= OSC_SWING * max(total, 0.0) and sigma >= SWING_LEVEL * max(abs(start), abs(end)):
        shape = "oscillates"
    elif total < PLATEAU_DROP * scale:
        shape = "plateaus"
    elif (q3 - end) < LATE_SHARE * total:
        shape = "converges"
    else:
        shape = "decreasing"
    out["shape"] = shape
    return out
