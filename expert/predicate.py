"""Judging a probe's findings with a symptom's predicate (``schema.Condition``): pure, three-valued.

A condition holds (True), fails (False) or is unknown (None: a finding it reads is missing, NaN, or
of the wrong kind).  Combinations follow Kleene's logic: ``all`` is False as soon as one part is False,
else unknown if one is unknown; ``any`` is True as soon as one part is True, else unknown if one is
unknown; ``not`` keeps unknown unknown.  A ``symptom`` reference judges that symptom's own predicate on
the same findings (``kb check`` refuses cycles and references to another probe's symptoms).
"""
from __future__ import annotations

from typing import Callable, Iterator

Lookup = Callable[[str], object]  # symptom id -> its judgement (for ``symptom:`` references)


def number(value) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def compare(cond, value):
    """One comparator on one value (the value of a finding or a ratio)."""
    if value is None:
        return None
    if cond.is_ is not None:
        return bool(value) is cond.is_
    if cond.equals is not None:
        return value == cond.equals
    if cond.in_ is not None:
        return value in cond.in_
    v = number(value)
    if v is None:
        return None
    if cond.above is not None:
        return v > cond.above
    if cond.below is not None:
        return v < cond.below
    if cond.at_least is not None:
        return v >= cond.at_least
    return v <= cond.at_most


def ratio(findings: dict, names) -> float | None:
    a, b = (number(findings.get(n)) for n in names)
    if a is None or b is None or b == 0:
        return None
    return a / b


def holds(cond, findings: dict, lookup: Lookup | None = None, _depth: int = 0):
    """Does ``cond`` hold on ``findings``?  True / False / None (unknown)."""
    if _depth > 32:
        raise ValueError("condition nested too deeply (a symptom reference cycle?)")
    if cond.finding is not None:
        return compare(cond, findings.get(cond.finding))
    if cond.ratio is not None:
        return compare(cond, ratio(findings, cond.ratio))
    if cond.symptom is not None:
        if lookup is None:
            return None
        inner = holds(lookup(cond.symptom), findings, lookup, _depth + 1)
        return inner if cond.is_ is None or inner is None else inner is cond.is_
    if cond.not_ is not None:
        inner = holds(cond.not_, findings, lookup, _depth + 1)
        return None if inner is None else not inner
    parts = [holds(c, findings, lookup, _depth + 1) for c in (cond.all_ or cond.any_)]
    decisive = cond.any_ is not None  # any: one True decides; all: one False decides
    if decisive in parts:
        return decisive
    return None if None in parts else not decisive


def leaves(cond) -> Iterator:
    """The value comparisons inside ``cond`` (findings and ratios), in reading order; references not followed."""
    if cond.finding is not None or cond.ratio is not None:
        yield cond
    for c in (*(cond.all_ or ()), *(cond.any_ or ())):
        yield from leaves(c)
    if cond.not_ is not None:
        yield from leaves(cond.not_)


def references(cond) -> Iterator[str]:
    """The symptom ids ``cond`` refers to."""
    if cond.symptom is not None:
        yield cond.symptom
    for c in (*(cond.all_ or ()), *(cond.any_ or ())):
        yield from references(c)
    if cond.not_ is not None:
        yield from references(cond.not_)


def finding_names(cond) -> list[str]:
    """Every finding a condition reads directly (ratios give both of theirs)."""
    out = []
    for leaf in leaves(cond):
        for n in ([leaf.finding] if leaf.finding is not None else leaf.ratio):
            if n not in out:
                out.append(n)
    return out


def threshold(leaf):
    """The value a leaf compares with (what a report shows beside the observed value)."""
    for k in ("above", "below", "at_least", "at_most", "equals", "in_", "is_"):
        v = getattr(leaf, k)
        if v is not None:
            return list(v) if isinstance(v, tuple) else v
    return None


def operator(leaf) -> str:
    return {"above": ">", "below": "<", "at_least": ">=", "at_most": "<=", "equals": "=", "in_": "in", "is_": "is"}[
        next(k for k in ("above", "below", "at_least", "at_most", "equals", "in_", "is_") if getattr(leaf, k) is not None)]


def headline(cond, findings: dict):
    """(finding, observed, threshold, operator) of the condition's first value comparison: the evidence a report shows."""
    leaf = next(leaves(cond), None)
    if leaf is None:
        return None, None, None, None
    if leaf.finding is not None:
        return leaf.finding, findings.get(leaf.finding), threshold(leaf), operator(leaf)
    return "/".join(leaf.ratio), ratio(findings, leaf.ratio), threshold(leaf), operator(leaf)


def describe(cond) -> str:
    """The condition as one readable line: ``label_changes_ratio < 0.1``, ``all(a > 1, not b)``."""
    if cond.finding is not None or cond.ratio is not None:
        name = cond.finding if cond.finding is not None else "/".join(cond.ratio)
        return f"{name} {operator(cond)} {threshold(cond)}"
    if cond.symptom is not None:
        return cond.symptom if cond.is_ in (None, True) else f"not {cond.symptom}"
    if cond.not_ is not None:
        return f"not ({describe(cond.not_)})"
    word, parts = ("all", cond.all_) if cond.all_ is not None else ("any", cond.any_)
    return f"{word}(" + ", ".join(describe(c) for c in parts) + ")"
