"""The compiled KB as plain JSON, and back, validated: a cache file is data, never code.

The file cache (``expert.knowledge``) lives in a folder anyone with the same home or a restored CI
cache could have written to, so reading it must never run code (no pickle).  ``dumps`` writes the
KB's entries as JSON objects tagged with their class name; ``loads`` rebuilds only the classes of
``_CLASSES`` (the KB's own frozen dataclasses), with exactly their fields, and checks the top level's
shape.  Anything else — a wrong type, a missing field, an unknown class, garbage — raises
``CacheError`` and the caller compiles afresh and rewrites the file.
"""
from __future__ import annotations

import dataclasses
import json

from dldoctor.expert import entries
from dldoctor.expert.knowledge_base import EvidenceEdge, KnowledgeBase
from dldoctor.probes import spec as spec_module
from dldoctor.probes.spec import ProbeSpec

FORMAT = 1
_TABLES = ("stages", "symptoms", "causes", "remedies", "probes")
_LISTS = ("patterns", "healthy")


class CacheError(ValueError):
    """A cache file that is not a compiled KB of this format."""


def _classes() -> dict[str, type]:
    """The KB's entry classes and the probe declarations' (every frozen dataclass of ``probes.spec``)."""
    out = {cls.__name__: cls for cls in entries._CLASSES.values()}
    declared = [c for c in vars(spec_module).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
                and c.__module__ == spec_module.__name__ and c.__dataclass_params__.frozen]
    for c in declared:
        assert c.__name__ not in out, f"two cached classes named {c.__name__}"
        out[c.__name__] = c
    return out


_CLASSES = _classes()
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()}


def _enc(v):
    """Entries -> {"$": class, field: value}; tuples -> arrays; dicts -> {"$d": {...}} (string keys only)."""
    if isinstance(v, (str, bool, int, float)) or v is None:
        return v
    if isinstance(v, tuple):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise CacheError("a dict with a non-string key cannot be cached")
        return {"$d": {k: _enc(x) for k, x in v.items()}}
    name = type(v).__name__
    if _CLASSES.get(name) is type(v):
        out = {"$": name}
        for f in _FIELDS[name]:
            out[f] = _enc(getattr(v, f))
        return out
    raise CacheError(f"a {name} cannot be cached")


def _dec(v):
    if isinstance(v, (str, bool, int, float)) or v is None:
        return v
    if isinstance(v, list):
        return tuple(_dec(x) for x in v)
    if not isinstance(v, dict):
        raise CacheError("unexpected value")
    if "$d" in v:
        inner = v["$d"]
        if len(v) != 1 or not isinstance(inner, dict):
            raise CacheError("malformed mapping")
        return {k: _dec(x) for k, x in inner.items()}
    name = v.get("$")
    if name not in _CLASSES or set(v) != {"$", *_FIELDS[name]}:
        raise CacheError(f"unknown entry {name!r}")
    return _CLASSES[name](**{f: _dec(v[f]) for f in _FIELDS[name]})


def dumps(kb: KnowledgeBase, fingerprint: str) -> str:
    flat = [e for es in kb.by_symptom.values() for e in es]  # the edges, shared by both indexes, in their order
    at = {id(e): i for i, e in enumerate(flat)}
    edges = [[e.symptom, e.cause, e.weight, e.if_absent] for e in flat]
    data = {"dldoctor_kb_cache": FORMAT, "fingerprint": fingerprint,
            **{t: _enc(getattr(kb, t)) for t in _TABLES}, **{t: _enc(tuple(getattr(kb, t))) for t in _LISTS},
            "sources": kb.sources, "edges": edges, "by_cause": {c: [at[id(e)] for e in es] for c, es in kb.by_cause.items()},
            "symptoms_by_probe": kb.symptoms_by_probe}
    return json.dumps(data, separators=(",", ":"))


def _typed(value, kind, what: str):
    if not isinstance(value, kind):
        raise CacheError(f"{what} is not a {kind.__name__}")
    return value


def loads(text: str, fingerprint: str) -> KnowledgeBase:
    """The KB of a cache file's text; CacheError for anything that is not exactly what ``dumps`` wrote."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CacheError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("dldoctor_kb_cache") != FORMAT or data.get("fingerprint") != fingerprint:
        raise CacheError("not a compiled KB of this version")
    try:
        tables = {t: _typed(_dec(data[t]), dict, t) for t in _TABLES}
        lists = {t: list(_typed(_dec(data[t]), tuple, t)) for t in _LISTS}
        for t, want in (("stages", entries.Stage), ("symptoms", entries.Symptom), ("causes", entries.Cause),
                        ("remedies", entries.Remedy), ("probes", ProbeSpec)):
            if not all(isinstance(k, str) and isinstance(e, want) for k, e in tables[t].items()):
                raise CacheError(f"{t} holds something else than {want.__name__} entries")
        for t, want in (("patterns", entries.Pattern), ("healthy", entries.HealthyCase)):
            if not all(isinstance(e, want) for e in lists[t]):
                raise CacheError(f"{t} holds something else than {want.__name__} entries")
        sources = _typed(data["sources"], dict, "sources")
        by_probe = _typed(data["symptoms_by_probe"], dict, "symptoms_by_probe")
        if not all(isinstance(v, str) for v in sources.values()) or not all(
                isinstance(v, list) and all(isinstance(s, str) for s in v) for v in by_probe.values()):
            raise CacheError("sources or symptoms_by_probe malformed")
        flat, by_symptom = [], {}
        for row in _typed(data["edges"], list, "edges"):
            if not (isinstance(row, list) and len(row) == 4 and all(isinstance(x, str) for x in row[:2])
                    and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in row[2:])):
                raise CacheError("malformed edge")
            edge = EvidenceEdge(row[0], row[1], float(row[2]), float(row[3]))
            flat.append(edge)
            by_symptom.setdefault(edge.symptom, []).append(edge)
        by_cause = {cid: [flat[i] for i in _typed(idx, list, "by_cause")]
                    for cid, idx in _typed(data["by_cause"], dict, "by_cause").items()}
        if set(by_cause) != set(tables["causes"]):
            raise CacheError("by_cause does not match the causes")
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise CacheError(f"malformed: {type(exc).__name__}") from None
    return KnowledgeBase(**tables, **lists, sources=sources, by_symptom=by_symptom, by_cause=by_cause,
                         symptoms_by_probe=by_probe)

