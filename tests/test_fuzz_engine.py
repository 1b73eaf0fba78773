"""Properties of the inference engine over random knowledge bases and random observations.

- every belief is a probability (finite, in [0, 1]), whatever the weights, priors and confidences;
- the ranking is deterministic: the same observations in any order give the same beliefs, same order;
- evidence for a cause never lowers it: observing a symptom present (or present instead of absent)
  whose edge to the cause has a positive weight cannot lower that cause's belief;
- the plan never proposes a step for a symptom already observed, and its values are finite and >= 0
  (and the same observations give the same plan; in another insertion order, its values may differ
  in the last bit: ``log_odds`` sums in dict order).

The KBs are built directly (the engine reads priors, evidence edges, base rates, costs), so
hypothesis explores the numbers rather than the YAML (tests/test_fuzz_kb.py does that).
"""
from __future__ import annotations

import math
import os
from types import SimpleNamespace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dldoctor.expert import engine
from dldoctor.expert.compiler import EvidenceEdge, KnowledgeBase
from dldoctor.expert.engine import Observation

FUZZ = settings(max_examples=int(os.environ.get("DLDOCTOR_FUZZ_EXAMPLES", 200)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
PROB = st.floats(1e-6, 1 - 1e-6)


@st.composite
def knowledge_bases(draw) -> KnowledgeBase:
    sids = [f"s{i}" for i in range(draw(st.integers(1, 8)))]
    cids = [f"c{i}" for i in range(draw(st.integers(1, 6)))]
    pids = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    symptoms, by_probe = {}, {}
    for sid in sids:
        probe = draw(st.sampled_from([*pids, None]))
        question = draw(st.sampled_from([None, f"{sid}?"])) if probe else f"{sid}?"
        symptoms[sid] = SimpleNamespace(id=sid, base_rate=draw(PROB), question=question,
                                        question_cost_s=draw(st.floats(0.1, 300)), probe=None)
        if probe:
            by_probe.setdefault(probe, []).append(sid)
    causes, by_symptom, by_cause = {}, {}, {}
    for cid in cids:
        causes[cid] = SimpleNamespace(id=cid, prior=draw(PROB))
        by_cause[cid] = []
        for sid in draw(st.lists(st.sampled_from(sids), unique=True, max_size=len(sids))):
            edge = EvidenceEdge(sid, cid, draw(st.floats(-10, 10)), draw(st.floats(-10, 0)))
            by_symptom.setdefault(sid, []).append(edge)
            by_cause[cid].append(edge)
    probes = {pid: SimpleNamespace(id=pid, cost_s=draw(st.floats(0.01, 120))) for pid in pids}
    return KnowledgeBase(stages={}, symptoms=symptoms, causes=causes, remedies={}, patterns=[], healthy=[],
                         probes=probes, sources={}, by_symptom=by_symptom, by_cause=by_cause, symptoms_by_probe=by_probe)


@st.composite
def cases(draw):
    kb = draw(knowledge_bases())
    observed = draw(st.lists(st.sampled_from(sorted(kb.symptoms)), unique=True))
    obs = {sid: Observation(sid, draw(st.sampled_from([True, False, None])), draw(st.floats(0, 1)), None, "fuzz")
           for sid in observed}
    return kb, obs


def scores(kb, obs) -> dict[str, float]:
    return {b.cause: b.score for b in engine.rank(kb, obs)}


@FUZZ
@given(cases())
def test_beliefs_are_probabilities(case):
    kb, obs = case
    for b in engine.rank(kb, obs):
        assert math.isfinite(b.score) and 0.0 <= b.score <= 1.0
        assert all(math.isfinite(c.delta) for c in b.contributions)


@FUZZ
@given(cases())
def test_the_ranking_is_deterministic(case):
    kb, obs = case
    first = engine.rank(kb, obs)
    assert engine.rank(kb, dict(reversed(list(obs.items())))) == first == engine.rank(kb, dict(obs))
    assert [b.cause for b in first] == sorted((b.cause for b in first), key=lambda c: (-round(scores(kb, obs)[c], 12), c))


@FUZZ
@given(cases(), st.data())
def test_evidence_for_a_cause_never_lowers_it(case, data):
    kb, obs = case
    supporting = [e for edges in kb.by_symptom.values() for e in edges if e.weight > 0]
    assume(supporting)
    edge = data.draw(st.sampled_from(supporting))
    before = obs.get(edge.symptom)
    assume(before is None or before.present is not True)  # unknown, absent or not yet observed
    conf = data.draw(st.floats(0, 1))
    after = dict(obs, **{edge.symptom: Observation(edge.symptom, True, conf, None, "fuzz")})
    assert scores(kb, after)[edge.cause] >= scores(kb, obs)[edge.cause]


@FUZZ
@given(cases(), st.floats(0.05, 0.95))
def test_the_plan_never_asks_for_what_is_known(case, threshold):
    kb, obs = case
    steps = engine.plan(kb, obs, list(kb.probes), questions=True, threshold=threshold)
    for a in steps:
        assert not set(a.symptoms) & set(obs), a
        assert math.isfinite(a.value) and a.value >= 0
    assert steps == engine.plan(kb, dict(obs), list(kb.probes), questions=True, threshold=threshold)
