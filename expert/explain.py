"""How one piece of evidence reads: what was measured, its value with its unit, and the judgement.

The wording is the KB's (a symptom's ``explain`` template); this module fills it from the probe's
result.  A template may use:

  value, threshold, finding     the judged finding's value, the value its judgement compares with, its name
  value_pct, threshold_pct      both times 100 (a fraction read as points or percent)
  value_pow10, threshold_pow10  10 ** both (a log10 ratio read as a factor)
  counts                        the judgement as text: "> 0.1", "< -2", "is true"
  any finding of the same probe, and any scalar (or short list) in its details, by name

``None`` prints as "n/a"; a template that cannot be filled (a custom KB's typo) falls back to the
generic line "finding = value (> threshold counts)".
"""
from __future__ import annotations

import math
import string


def threshold(judgement):
    """The value a judgement compares the finding with (above/below/is/equals/in)."""
    for key in ("above", "below", "is_", "equals", "in_"):
        v = getattr(judgement, key, None)
        if v is not None:
            return list(v) if isinstance(v, tuple) else v
    return None


def counts(judgement) -> str:
    """The judgement as a short comparison: '> 0.1', '< -2', 'is true', '= x', 'in [a, b]'."""
    if getattr(judgement, "above", None) is not None:
        return f"> {judgement.above:g}"
    if getattr(judgement, "below", None) is not None:
        return f"< {judgement.below:g}"
    if getattr(judgement, "is_", None) is not None:
        return f"is {str(judgement.is_).lower()}"
    if getattr(judgement, "equals", None) is not None:
        return f"= {judgement.equals}"
    if getattr(judgement, "in_", None) is not None:
        return "in [" + ", ".join(str(v) for v in judgement.in_) + "]"
    return "?"


class _Formatter(string.Formatter):
    def format_field(self, value, spec):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "n/a" if value is None else str(value)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (list, tuple)):
            return "(" + ", ".join(str(v) for v in value) + (",)" if len(value) == 1 else ")")
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            return str(value)


_FMT = _Formatter()


def fields(judgement, observed, record: dict | None) -> dict:
    """Everything a template may name."""
    out: dict = {}
    record = record or {}
    for k, v in (record.get("details") or {}).items():
        if _scalar(v) or (isinstance(v, list) and len(v) <= 8 and all(_scalar(x) for x in v)):
            out[k] = v
    out.update(record.get("findings") or {})
    t = threshold(judgement)
    out.update(value=observed, threshold=t, finding=judgement.finding, counts=counts(judgement),
               value_pct=_scaled(observed, 100), threshold_pct=_scaled(t, 100),
               value_pow10=_pow10(observed), threshold_pow10=_pow10(t))
    return out


def _scalar(v) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _scaled(v, k):
    return v * k if _number(v) else None


def _pow10(v):
    return 10 ** v if _number(v) and abs(v) < 300 else None


def fill(template: str, values: dict) -> str:
    """The template filled; raises KeyError/IndexError/ValueError when it names what is not there."""
    return _FMT.format(template, **values)


def generic(judgement, observed) -> str:
    return f"{judgement.finding} = {_FMT.format_field(observed, '.3g')} ({counts(judgement)} counts)"


def line(symptom, observed, record: dict | None) -> str:
    """The measured line for one symptom (its template, else the generic wording)."""
    j = symptom.probe
    if j is None or record is None:
        return f"answered {observed}"
    if symptom.explain:
        try:
            return fill(symptom.explain, fields(j, observed, record))
        except (KeyError, IndexError, ValueError, AttributeError):
            pass
    return generic(j, observed)
