"""The diagnosis as a report object: the contract's JSON, and what the renderers draw from."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dldoctor.expert import explain
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
    text: str = ""  # the line a reader sees: what was measured, its value, the judgement (the KB's wording)


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
    references: list[dict] = field(default_factory=list)  # {title, url}: the guide and papers the KB cites


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
    crash: dict | None = None  # the model's own crash (the probe that runs it): stage, module, kind, message
    stages: list[dict] = field(default_factory=list)  # the guide's stages in order: id, title

    @property
    def top(self) -> CauseResult | None:
        return self.causes[0] if self.causes else None

    def problems(self) -> list[CauseResult]:
        return [c for c in self.causes if c.score >= self.threshold]

    def to_json(self) -> dict:
        return asdict(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False, default=str)


def _evidence(kb, diag: Diagnosis, x) -> Evidence:
    sym = kb.symptoms[x.symptom]
    record = diag.records.get(x.source) if x.source != "answer" else None
    text = explain.line(sym, x.observed, record, x.finding, x.threshold, x.operator)
    return Evidence(x.symptom, sym.title, x.present, x.observed, x.source, round(x.delta, 4), x.finding, x.threshold, x.operator, text)


def build(diag: Diagnosis, meta: dict | None = None) -> Report:
    kb = diag.kb
    causes = []
    for b in diag.beliefs():
        c = kb.causes[b.cause]
        evidence = [_evidence(kb, diag, x) for x in b.contributions]
        remedies = [RemedyRef(r, kb.remedies[r].title, kb.remedies[r].cost, list(kb.remedies[r].steps)) for r in c.remedies]
        refs = [{"title": r.title, "url": r.url} for r in c.references]
        causes.append(CauseResult(c.id, round(b.score, 6), c.title, c.summary, c.group, c.category, c.prior, evidence, remedies, refs))
    verdict = "problems" if any(c.score >= diag.threshold for c in causes) else "healthy"
    probes = [_probe_entry(r, kb) for r in diag.records.values()]
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
    stages = [{"id": s.id, "title": s.title} for s in sorted(kb.stages.values(), key=lambda s: s.order)]
    return Report(verdict, diag.threshold, causes, probes, observations, questions, sections.get("bias_variance"),
                  dict(meta or {}, version=VERSION), steps_total=sum(r.steps for r in diag.records.values()),
                  crash=_crash(diag.records.values()), stages=stages)


def _crash(records) -> dict | None:
    """The model's own error, when the probe that runs it saw one (what a remedy's "read the traceback" means)."""
    for r in records:
        if (r.findings or {}).get("crashed") is True:
            f, d = r.findings, r.details or {}
            return {"stage": f.get("failure_stage"), "module": f.get("failure_module"), "kind": f.get("failure_kind"),
                    "message": d.get("message") or r.message}
    return None


def _probe_entry(r, kb=None) -> dict:
    out = r.to_json()
    out.pop("confidence")
    spec = kb.probes.get(r.id) if kb is not None else None
    out.update(stage=getattr(spec, "stage", None), title=getattr(spec, "title", r.id))
    return out


def strip_timings(data):
    """The report without measured timings (what must be identical across two runs)."""
    if isinstance(data, dict):
        return {k: strip_timings(v) for k, v in data.items() if k not in ("seconds", "elapsed")}
    if isinstance(data, list):
        return [strip_timings(v) for v in data]
    return data
