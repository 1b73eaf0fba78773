"""Shared by the tests of issue 14's general probes: run probes in-process, judge their findings with
the built-in KB and rank the causes - what a diagnosis does, without the planner's choice of probes."""
from __future__ import annotations

from functools import lru_cache

from internals_models import ctx

from dldoctor.expert import engine
from dldoctor.expert.compiler import compile_kb
from dldoctor.probes.run import run_probe


@lru_cache(maxsize=1)
def kb():
    return compile_kb()


def findings(probe_id: str, subject) -> dict:
    out = run_probe(probe_id, subject, ctx(patterns=[(p.kind, p.regex) for p in kb().patterns]))
    assert out.status == "ok", out.message
    return out.findings


def symptoms(probe_id: str, subject) -> dict:
    """symptom id -> present (True / False / None) as the KB judges this probe's findings."""
    out = run_probe(probe_id, subject, ctx(patterns=[(p.kind, p.regex) for p in kb().patterns]))
    assert out.status in ("ok", "not-measured"), out.message  # nothing to measure is silence, never a finding
    return {sid: o.present for sid, o in engine.judge(kb(), probe_id, out.findings).items()}


def ranking(observations: dict) -> list:
    """(cause, score) highest first, from {symptom: "yes" | "no" | "unknown"}."""
    obs = {sid: engine.answer(sid, v) for sid, v in observations.items()}
    return [(b.cause, round(b.score, 3)) for b in engine.rank(kb(), obs)]
