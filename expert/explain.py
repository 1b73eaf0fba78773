"""How one piece of evidence reads: what was measured, its value with its unit, and the judgement.

The wording is the KB's (a symptom's ``explain`` template); this module fills it from the probe's
result.  A template may use:

  value, threshold, finding     the judged finding's value, the value its judgement compares with, its name
  value_pct, threshold_pct      both times 100 (a fraction read as points or percent)
  value_pow10, threshold_pow10  10 ** both (a log10 ratio read as a factor)
  counts                        the judgement as text: "> 0.1", "< -2", "is true"
  (value, threshold and finding are the judgement's headline comparison: expert.predicate.headline)
  any finding of the same probe, and any scalar (or short list) in its details, by name

``None`` prints as "n/a"; a template that cannot be filled (a custom KB's typo) falls back to the
generic line "finding = value (> threshold counts)".
"""
from __future__ import annotations

import math
import string


def counts(operator, threshold) -> str:
    """The judgement as a short comparison: '> 0.1', '< -2', 'is true', '= x', 'in [a, b]'."""
    if operator is None:
        return "?"
    if isinstance(threshold, bool):
        return f"{operator} {str(threshold).lower()}"
    if isinstance(threshold, (list, tuple)):
        return f"{operator} [" + ", ".join(str(v) for v in threshold) + "]"
    if isinstance(threshold, (int, float)):
        return f"{operator} {threshold:g}"
    return f"{operator} {threshold}"


def _part(record, name: str) -> dict:
    """A probe result's findings or details (a ProbeResult, or its JSON)."""
    if record is None:
        return {}
    value = record.get(name) if isinstance(record, dict) else getattr(record, name, None)
    return value or {}


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


def fields(observed, record, finding=None, threshold=None, operator=None) -> dict:
    """Everything a template may name."""
    out: dict = {}
    for k, v in _part(record, "details").items():
        if _scalar(v) or (isinstance(v, list) and len(v) <= 8 and all(_scalar(x) for x in v)):
            out[k] = v
    out.update(_part(record, "findings"))
    out.update(value=observed, threshold=threshold, finding=finding, counts=counts(operator, threshold),
               value_pct=_scaled(observed, 100), threshold_pct=_scaled(threshold, 100),
               value_pow10=_pow10(observed), threshold_pow10=_pow10(threshold))
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


def generic(observed, finding, threshold, operator) -> str:
    return f"{finding} = {_FMT.format_field(observed, '.3g')} ({counts(operator, threshold)} counts)"


def line(symptom, observed, record, finding=None, threshold=None, operator=None) -> str:
    """The measured line for one symptom (its template, else the generic wording); an answer says so."""
    if symptom.probe is None or record is None:
        return f"answered {observed}"
    if symptom.explain:
        try:
            return fill(symptom.explain, fields(observed, record, finding, threshold, operator))
        except (KeyError, IndexError, ValueError, AttributeError):
            pass
    return generic(observed, finding, threshold, operator)
