"""Inference: beliefs for every cause, the contributions that moved them, and the next step.

Belief (a naive-Bayes log-odds sum over the compiled evidence edges)::

    logit b_c = logit prior_c + sum over observed symptoms s linked to c of  conf_s * w(s, c, o_s)

    w(s, c, present) = weight(s -> c)       (a log likelihood ratio, ln P(s|c) / P(s|not c))
    w(s, c, absent)  = if_absent(s -> c)    (<= 0; 0 where absence says nothing)
    w(s, c, unknown) = 0

clipped to [-20, 20] and mapped back with the logistic function.  Each term is kept as a
``Contribution`` so that "why?" needs no second computation.  Adding evidence for a cause (a
present symptom with positive weight) can only raise it.

Next step: each action (a probe, which answers all its symptoms at once, or a question, which
answers one) is valued by the expected information it gives about the causes per second of cost::

    P(s present) = 1 - (1 - base_s) * prod_c (1 - b_c * min(0.99, base_s * exp(w_sc)))   (noisy-OR, w_sc > 0)
    EIG(s)       = sum_c [ P(s) KL(b_c|present || b_c) + (1 - P(s)) KL(b_c|absent || b_c) ]
    value(a)     = sum over unknown symptoms s of a of EIG(s)  /  cost(a)

with KL the Bernoulli Kullback-Leibler divergence in bits (the expected information, never
negative, even where confirming a rare cause moves its belief towards 0.5).  The engine stops when no remaining action could change the top cause
or move any cause across the report threshold, whatever its outcome (a bound computed from the
largest and smallest log-odds each action could add).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from dldoctor.expert.compiler import KnowledgeBase

REPORT_THRESHOLD = 0.5  # a cause is reported (and the verdict is 'problems') at this belief: more likely than not

CLIP = 20.0


@dataclass(frozen=True)
class Observation:
    """What is known of one symptom: present (True/False) or unknown (None), with a confidence."""

    symptom: str
    present: bool | None
    confidence: float = 1.0
    observed: Any = None  # the measured finding value, or the person's answer
    source: str = ""  # probe id, "answer" or "case"
    finding: str | None = None  # the probe's finding the judgement read first (``predicate.headline``)
    threshold: Any = None  # the value that finding was compared with
    operator: str | None = None  # how: ">", "<", ">=", "<=", "=", "in", "is"


@dataclass(frozen=True)
class Contribution:
    symptom: str
    present: bool
    delta: float  # change in log-odds
    observed: Any
    source: str
    finding: str | None = None
    threshold: Any = None
    operator: str | None = None


@dataclass(frozen=True)
class Belief:
    cause: str
    score: float
    prior: float
    contributions: tuple[Contribution, ...] = ()


@dataclass(frozen=True)
class Action:
    kind: str  # "probe" or "question"
    id: str  # probe id or symptom id
    cost_s: float
    value: float  # expected information per second
    symptoms: tuple[str, ...] = field(default=())


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    x = min(max(x, -CLIP), CLIP)
    return 1.0 / (1.0 + math.exp(-x))


def _kl(q: float, p: float) -> float:
    """KL(Bernoulli(q) || Bernoulli(p)) in bits."""
    q = min(max(q, 1e-12), 1 - 1e-12)
    p = min(max(p, 1e-12), 1 - 1e-12)
    return q * math.log2(q / p) + (1 - q) * math.log2((1 - q) / (1 - p))


def _term(edge, obs: Observation) -> float:
    if obs.present is None:
        return 0.0
    w = edge.weight if obs.present else edge.if_absent
    return max(0.0, min(1.0, obs.confidence)) * w


def log_odds(kb: KnowledgeBase, observations: dict[str, Observation]) -> dict[str, float]:
    """logit b_c for every cause (no contributions kept: the fast path for planning)."""
    lo = {cid: logit(c.prior) for cid, c in kb.causes.items()}
    for sid in sorted(observations):  # a fixed order: the same sums to the last bit, however the dict was built
        obs = observations[sid]
        for edge in kb.by_symptom.get(sid, ()):
            lo[edge.cause] += _term(edge, obs)
    return lo


def rank(kb: KnowledgeBase, observations: dict[str, Observation]) -> list[Belief]:
    """Every cause with its belief and contributions, highest first (ties by id: deterministic)."""
    contribs: dict[str, list[Contribution]] = {cid: [] for cid in kb.causes}
    lo = {cid: logit(c.prior) for cid, c in kb.causes.items()}
    for sid in sorted(observations):
        obs = observations[sid]
        for edge in kb.by_symptom.get(sid, ()):
            d = _term(edge, obs)
            if d != 0.0:
                lo[edge.cause] += d
                contribs[edge.cause].append(Contribution(sid, bool(obs.present), d, obs.observed, obs.source, obs.finding, obs.threshold, obs.operator))
    beliefs = [
        Belief(cid, sigmoid(lo[cid]), kb.causes[cid].prior, tuple(sorted(contribs[cid], key=lambda c: (-abs(c.delta), c.symptom))))
        for cid in kb.causes
    ]
    return sorted(beliefs, key=lambda b: (-b.score, b.cause))


def _eig(kb: KnowledgeBase, sid: str, lo: dict[str, float], belief: dict[str, float]) -> float:
    edges = kb.by_symptom.get(sid, ())
    if not edges:
        return 0.0
    base = kb.symptoms[sid].base_rate
    keep_absent = 1.0 - base
    for e in edges:
        if e.weight > 0:
            keep_absent *= 1.0 - belief[e.cause] * min(0.99, base * math.exp(min(e.weight, 10)))
    p = min(max(1.0 - keep_absent, 1e-6), 1 - 1e-6)
    gain = 0.0
    for e in edges:
        now, b = lo[e.cause], belief[e.cause]
        gain += p * _kl(sigmoid(now + e.weight), b) + (1 - p) * _kl(sigmoid(now + e.if_absent), b)
    return gain


def _reach(kb: KnowledgeBase, symptoms: Iterable[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Largest rise and largest fall in log-odds each cause could see from these symptoms."""
    up: dict[str, float] = {}
    down: dict[str, float] = {}
    for sid in symptoms:
        for e in kb.by_symptom.get(sid, ()):
            up[e.cause] = up.get(e.cause, 0.0) + max(e.weight, e.if_absent, 0.0)
            down[e.cause] = down.get(e.cause, 0.0) + min(e.weight, e.if_absent, 0.0)
    return up, down


class _Frame:
    """The current top cause, its runner-up and the threshold's log-odds: what could_change compares with."""

    def __init__(self, lo: dict[str, float], threshold: float):
        self.lo, self.t = lo, logit(threshold)
        order = sorted(lo, key=lambda c: (-lo[c], c))[:2]
        self.top = order[0] if order else None
        self.second = lo[order[1]] if len(order) > 1 else -math.inf

    def could_change(self, up: dict[str, float], down: dict[str, float]) -> bool:
        lo, t, top = self.lo, self.t, self.top
        for cid in up.keys() | down.keys():  # only the causes these symptoms touch can cross the threshold
            now = lo[cid]
            if now < t <= now + up.get(cid, 0.0) or now + down.get(cid, 0.0) < t <= now:
                return True
        if top is None:
            return False
        top_low = lo[top] + down.get(top, 0.0)
        if top_low < lo[top] and self.second > top_low:  # the top can fall below the runner-up
            return True
        return any(cid != top and gain > 0 and lo[cid] + gain > top_low for cid, gain in up.items())


def could_change(kb: KnowledgeBase, lo: dict[str, float], symptoms: Iterable[str], threshold: float) -> bool:
    """Whether some outcome of these symptoms could change the top cause or a verdict side."""
    up, down = _reach(kb, symptoms)
    return _Frame(lo, threshold).could_change(up, down)


def plan(
    kb: KnowledgeBase,
    observations: dict[str, Observation],
    probes: Iterable[str],
    *,
    questions: bool = False,
    threshold: float = REPORT_THRESHOLD,
    probe_costs: dict[str, float] | None = None,
    later: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> list[Action]:
    """Candidate next steps, best first; empty when no step could change the top or the verdict.

    probes: ids of the probes that may still run (not run yet, their needs met).
    questions: also offer questions for unknown symptoms no available probe answers.
    later: probes that cannot run yet but will (e.g. waiting for 'runs'): their symptoms are not asked.
    exclude: symptoms never asked (questions that do not apply to the subject).
    """
    lo = log_odds(kb, observations)
    belief = {c: sigmoid(v) for c, v in lo.items()}
    frame = _Frame(lo, threshold)
    probes = list(probes)
    answered_by_probe = {s for p in [*probes, *later] for s in kb.symptoms_by_probe.get(p, ())} | set(exclude)
    actions = []
    for pid in probes:
        open_ = [s for s in kb.symptoms_by_probe.get(pid, ()) if s not in observations]
        if not open_ or not frame.could_change(*_reach(kb, open_)):
            continue
        cost = (probe_costs or {}).get(pid, kb.probes[pid].cost_s)
        gain = sum(_eig(kb, s, lo, belief) for s in open_)
        actions.append(Action("probe", pid, cost, (gain + 1e-9) / max(cost, 1e-3), tuple(open_)))
    if questions:
        for sid, sym in kb.symptoms.items():
            if sym.question is None or sid in observations or sid in answered_by_probe:
                continue
            if not frame.could_change(*_reach(kb, (sid,))):
                continue
            gain = _eig(kb, sid, lo, belief)
            actions.append(Action("question", sid, sym.question_cost_s, (gain + 1e-9) / sym.question_cost_s, (sid,)))
    return sorted(actions, key=lambda a: (-a.value, a.cost_s, a.kind, a.id))


def judge(kb: KnowledgeBase, probe_id: str, findings: dict, confidence: dict | None = None) -> dict[str, Observation]:
    """Turn one probe's findings into observations of the symptoms it answers (the KB's predicates judge).

    A predicate that reads several findings takes the least confidence among them."""
    from dldoctor.expert.predicate import finding_names, headline

    def lookup(sid):
        return kb.symptoms[sid].probe

    out = {}
    for sid in kb.symptoms_by_probe.get(probe_id, ()):
        j = kb.symptoms[sid].probe
        present = j.holds_on(findings, lookup)
        conf = min((float((confidence or {}).get(n, 1.0)) for n in finding_names(j)), default=1.0)
        finding, value, threshold, op = headline(j, findings)
        out[sid] = Observation(sid, present, conf, value, probe_id, finding, threshold, op)
    return out


def answer(sid: str, reply: str | bool | None, confidence: float = 1.0) -> Observation:
    """A person's answer: yes / no / unknown (don't know)."""
    value = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}.get(str(reply).lower()) if not isinstance(reply, bool) else reply
    return Observation(sid, value, confidence, reply, "answer")
