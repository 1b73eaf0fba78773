"""The compiled KB's entries: frozen, slotted dataclasses with exactly the schema's fields.

pydantic validates at the YAML boundary (``expert.schema``); inside, entries are plain immutable
records — cheap to pickle for the compiled-KB cache and to pass around.  The classes are derived from
the schema models, so a field added to the schema appears here with no second definition.
"""
from __future__ import annotations

from dataclasses import make_dataclass

from pydantic import BaseModel

from dldoctor.expert import schema as S


def _holds(self, value):
    """Judge one finding value with a simple predicate (one finding, one comparator): True/False, None when unknown."""
    from dldoctor.expert.predicate import compare

    return compare(self, value)


def _applies(self, facts: dict[str, bool]) -> bool:
    """False only when a known fact rules the question out (an unknown fact keeps it)."""
    return all(facts.get(f) is not False for f in self.has) and all(facts.get(f) is not True for f in self.lacks)


def _holds_on(self, findings: dict, lookup=None):
    """Judge a probe's whole findings dict (any predicate: combinations, ratios, symptom references)."""
    from dldoctor.expert.predicate import holds

    return holds(self, findings, lookup)


_METHODS = {name: {"holds": _holds, "holds_on": _holds_on} for name in ("Judgement", "Condition")}
_METHODS["AppliesIf"] = {"holds": _applies}
_CLASSES: dict[type, type] = {}


def _entry_class(model: type[BaseModel]) -> type:
    name = model.__name__
    cls = make_dataclass(name, list(model.model_fields), frozen=True, slots=True, namespace=_METHODS.get(name, {}))
    cls.__module__ = __name__
    cls.__doc__ = model.__doc__
    globals()[name] = cls  # importable by name, so pickle finds it
    return cls


for _model in (S.Stage, S.Pattern, S.Condition, S.Judgement, S.AppliesIf, S.Symptom, S.Evidence, S.ExtraEvidence, S.Reference, S.CaseSpec, S.Cases,
               S.Cause, S.Remedy, S.HealthyCase):
    _CLASSES[_model] = _entry_class(_model)


def freeze(value):
    """A validated pydantic model (or a list/dict of them) as entries; lists become tuples."""
    if isinstance(value, BaseModel):
        cls = _CLASSES[type(value)]
        return cls(**{name: freeze(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value
