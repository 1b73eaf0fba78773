"""The diagnosis as a report object: the contract's JSON, and what the renderers draw from.

The JSON is strict: a non-finite number (a float16 model's NaN loss, a NaN in a watch record) is
``null`` wherever it appears.  A diagnosis whose probes could not measure the model (the worker died,
every probe failed, nothing ran) is never ``healthy``: ``diagnosed`` is false, ``undiagnosed`` says
why, the verdict is ``problems`` and the CLI exits 2 with the verdict line "could not diagnose".
"""
from __future__ import annotations

import json
import math
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
    diagnosed: bool = True  # False: the probes that matter failed; no verdict of healthy could be drawn
    undiagnosed: str | None = None  # why not, in one line

    @property
    def verdict_line(self) -> str:
        """The verdict as the renderers print it."""
        return self.verdict if self.diagnosed else "could not diagnose"
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
        return json.dumps(finite(self.to_json()), indent=2, sort_keys=False, default=str, allow_nan=False)


def finite(data):
    """``data`` with every non-finite float (NaN, Infinity) as None: strict JSON."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k if isinstance(k, (str, int, float, bool)) or k is None else str(k): finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


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
    why = undiagnosed(diag, verdict)
    if why:
        verdict = "problems"  # never healthy on evidence that was not measured
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
                  diagnosed=why is None, undiagnosed=why, crash=_crash(diag.records.values()), stages=stages)


def undiagnosed(diag: Diagnosis, verdict: str = "healthy") -> str | None:
    """Why the probes cannot back the verdict (None when they can, or when there is no target).

    healthy needs: the model ran (the gating probe ok), some probe measured, and the failed probes do not
    outnumber the ones that measured — a model that crashes on its fifth call, a loader that is empty
    the second time, a model too big to snapshot fail most probes, and silence from them is not
    health.  problems needs the same when the model ran at first: causes ranked on the few probes
    that did not fail (often the data ones) would hide the crash that failed the others.  When the gating
    probe (the one that runs the model first) itself could not run it, its crash is the evidence (``code-crash``), not a gap."""
    if not diag.keys:
        return None  # questions or a watch record only: no probe of a target was asked for
    records = list(diag.records.values())
    ok = [r for r in records if r.status == "ok"]
    bad = [r for r in records if r.status == "failed"]
    gate = next((pid for pid, spec in diag.kb.probes.items() if getattr(spec, "gate", None)), None)
    runs = diag.records.get(gate) if gate else None  # the probe that gets the model to run (it gates the others)
    trains = {pid for pid, spec in diag.kb.probes.items() if getattr(spec, "runs_model", False)}
    model_ok = [r for r in ok if r.id in trains]
    model_bad = [r for r in bad if r.id in trains]
    if model_bad and len(model_bad) >= len(model_ok):  # the probes that train the model: most of them failed
        ran = runs is not None and runs.status == "ok" and not runs.findings.get(diag.kb.probes[gate].gate.finding)
        if ran or verdict == "healthy":
            return (f"{len(model_bad)} of {len(model_ok) + len(model_bad)} probes that run the model failed "
                    f"(first: '{model_bad[0].id}': {_short(model_bad[0].message)})")
    if verdict != "healthy":
        return None
    if runs is not None and runs.status == "failed":
        return f"probe '{runs.id}' could not run the model: {_short(runs.message)}"
    if not ok:
        first = next((r for r in records if r.message), None)
        return "no probe measured anything" + (f" (probe '{first.id}': {_short(first.message)})" if first else "")
    if bad and len(bad) >= len(ok):
        return (f"{len(bad)} of {len(ok) + len(bad)} probes failed (first: '{bad[0].id}': {_short(bad[0].message)})")
    return None


def _short(text) -> str:
    line = str(text or "no reason given").strip().splitlines()
    return (line[0] if line else "no reason given")[:200]


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
