"""The diagnosis as a report object: the contract's JSON, and what the renderers draw from."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dldoctor.expert.session import Diagnosis

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
VERSION = "0.1.0"


@dataclass
class Evidence:
    symptom: str
    title: str
    present: bool
    observed: object
    probe: str
    delta: float
    finding: str | None = None  # the probe's finding this judgement read (None for answers)
    threshold: object = None  # the value it was compared with
    operator: str | None = None  # ">", "<", ">=", "<=", "=", "in", "is"


@dataclass
class RemedyRef:
    id: str
    title: str
    cost: str
    steps: list[str]


@dataclass
class CauseResult:
    id: str
    score: float
    title: str
    summary: str
    group: str
    category: str
    prior: float
    evidence: list[Evidence]
    remedies: list[RemedyRef]


@dataclass
class Report:
    verdict: str
    threshold: float
    causes: list[CauseResult]
    probes: list[dict]
    observations: list[dict]
    questions: list[dict] = field(default_factory=list)  # unanswered questions that could still change the ranking
    bias_variance: dict | None = None
    meta: dict = field(default_factory=dict)
    steps_total: int = 0  # training steps the probes spent on the user's model, all together

    @property
    def top(self) -> CauseResult | None:
        return self.causes[0] if self.causes else None

    def problems(self) -> list[CauseResult]:
        return [c for c in self.causes if c.score >= self.threshold]

    def to_json(self) -> dict:
        return asdict(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False, default=str)


def build(diag: Diagnosis, meta: dict | None = None) -> Report:
    kb = diag.kb
    causes = []
    for b in diag.beliefs():
        c = kb.causes[b.cause]
        evidence = [Evidence(x.symptom, kb.symptoms[x.symptom].title, x.present, x.observed, x.source, round(x.delta, 4),
                             x.finding, x.threshold, x.operator) for x in b.contributions]
        remedies = [RemedyRef(r, kb.remedies[r].title, kb.remedies[r].cost, list(kb.remedies[r].steps)) for r in c.remedies]
        causes.append(CauseResult(c.id, round(b.score, 6), c.title, c.summary, c.group, c.category, c.prior, evidence, remedies))
    verdict = "problems" if any(c.score >= diag.threshold for c in causes) else "healthy"
    probes = [_probe_entry(r) for r in diag.records.values()]
    observations = [
        {"symptom": o.symptom, "present": o.present, "confidence": o.confidence, "observed": o.observed, "source": o.source}
        for o in (diag.observations[k] for k in sorted(diag.observations))
    ]
    questions = [
        {"symptom": a.id, "question": kb.symptoms[a.id].question, "value": round(a.value, 6)}
        for a in diag.next_steps(questions=True) if a.kind == "question"
    ][:5]
    sections = {}  # a probe that declares a report section gives its findings and details there
    for r in diag.records.values():
        section = kb.probes[r.id].report_section if r.id in kb.probes else None
        if section and r.ok:
            sections[section] = {"findings": r.findings, **r.details}
    return Report(verdict, diag.threshold, causes, probes, observations, questions, sections.get("bias_variance"),
                  dict(meta or {}, version=VERSION), steps_total=sum(r.steps for r in diag.records.values()))


def _probe_entry(r) -> dict:
    out = r.to_json()
    out.pop("confidence")
    return out


def strip_timings(data):
    """The report without measured timings (what must be identical across two runs)."""
    if isinstance(data, dict):
        return {k: strip_timings(v) for k, v in data.items() if k not in ("seconds", "elapsed")}
    if isinstance(data, list):
        return [strip_timings(v) for v in data]
    return data
