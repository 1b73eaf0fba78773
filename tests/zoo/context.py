"""The probe context the tests run with (the built-in KB's crash patterns), and running, judging and
ranking as a diagnosis does, without the planner's choice of probes."""
from __future__ import annotations

from functools import lru_cache

from dldoctor.expert import engine
from dldoctor.expert.compiler import compile_kb
from dldoctor.probes.context import ProbeContext
from dldoctor.probes.run import run_probe


@lru_cache(maxsize=1)
def kb():
    return compile_kb()


def kb_patterns() -> list:
    """[(failure kind, regex)] of the built-in KB's patterns.yaml."""
    return [(p.kind, p.regex) for p in kb().patterns]


def ctx(seed: int = 0, **kw) -> ProbeContext:
    """A ProbeContext with the KB's patterns; ``kw``: other fields (memory_budget_mb, ...)."""
    return ProbeContext(seed=seed, patterns=kb_patterns(), **kw)


def run(probe_id: str, subject, seed: int = 0, **kw):
    """run_probe in-process; fails the test when the probe did not measure."""
    result = run_probe(probe_id, subject, ctx(seed, **kw))
    assert result.status == "ok", result.message
    return result


def findings(probe_id: str, subject, **kw) -> dict:
    return run(probe_id, subject, **kw).findings


def symptoms(probe_id: str, subject) -> dict:
    """symptom id -> present (True / False / None) as the KB judges this probe's findings."""
    out = run_probe(probe_id, subject, ctx())
    assert out.status in ("ok", "not-measured"), out.message  # nothing to measure is silence, never a finding
    return {sid: o.present for sid, o in engine.judge(kb(), probe_id, out.findings).items()}


def ranking(observations: dict) -> list:
    """(cause, score) highest first, from {symptom: "yes" | "no" | "unknown"}."""
    obs = {sid: engine.answer(sid, v) for sid, v in observations.items()}
    return [(b.cause, round(b.score, 3)) for b in engine.rank(kb(), obs)]
