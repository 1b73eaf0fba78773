"""What every renderer says the same way: the probe checklist by stage, the causes worth listing, the summary line."""
from __future__ import annotations

from dataclasses import dataclass

from dldoctor.expert.report import Report

MIN_DELTA = 0.05  # evidence lines that move a cause's log-odds less than this are left out
FLOOR = 0.15  # causes under this belief, or not above twice their prior, are folded into "n more below"
MARKS = {"passed": "✓", "problem": "✗", "not measured": "–", "failed": "!"}


@dataclass
class ProbeLine:
    id: str
    title: str
    state: str  # passed | problem | not measured | failed
    note: str  # why not measured, the failure message, or what it found
    steps: int
    seconds: float

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    @property
    def says(self) -> str:
        word = {"passed": "passed", "problem": "found a problem", "not measured": "not measured", "failed": "failed"}[self.state]
        return f"{word}: {self.note}" if self.note else word


def evidence_lines(cause) -> list:
    return [e for e in cause.evidence if abs(e.delta) >= MIN_DELTA]


def shown_causes(report: Report, most: int = 6) -> tuple[list, int]:
    """(causes worth listing, how many more were folded): problems, then causes the evidence clearly raised."""
    keep = [c for c in report.causes if c.score >= report.threshold or (c.score >= FLOOR and c.score >= 2 * c.prior)]
    if not keep and report.causes:
        keep = report.causes[:1]
    keep = keep[:max(most, len(report.problems()))]
    return keep, len(report.causes) - len(keep)


def probe_lines(report: Report) -> list[tuple[str, list[ProbeLine]]]:
    """The probes grouped by the guide's stages (in the guide's order), each with its mark."""
    found: dict[str, list[str]] = {}
    for c in report.causes:  # an abnormal reading: a present symptom that raised some cause
        for e in c.evidence:
            if e.delta > 0 and e.present and e.title not in found.get(e.probe, []):
                found.setdefault(e.probe, []).append(e.title)
    by_stage: dict[str, list[ProbeLine]] = {}
    for p in report.probes:
        findings = p.get("findings") or {}
        if p["status"] == "failed":
            state, note = "failed", p.get("message", "")
        elif p["status"] == "skipped":
            state, note = "not measured", p.get("message", "")
        elif p["id"] in found:
            state, note = "problem", found[p["id"]][0]
        elif findings and all(v is None for v in findings.values()):
            state, note = "not measured", next(iter(p.get("notes") or []), "nothing it could measure")
        else:
            state, note = "passed", ""
        line = ProbeLine(p["id"], p.get("title") or p["id"], state, str(note), int(p.get("steps") or 0), float(p.get("seconds") or 0))
        by_stage.setdefault(p.get("stage") or "", []).append(line)
    order = [(s["id"], s["title"]) for s in report.stages]
    groups = [(title, by_stage.pop(sid)) for sid, title in order if sid in by_stage]
    if by_stage:
        groups.append(("Other", [x for lines in by_stage.values() for x in lines]))
    return groups


def summary_line(report: Report) -> str:
    """'2 problems · 17 probes · 399 training steps · 22 s' — the report's last line."""
    n = len(report.problems())
    ran = [p for p in report.probes if p["status"] != "skipped"]
    seconds = sum(float(p.get("seconds") or 0) for p in report.probes)
    head = f"{n} problem{'s' if n != 1 else ''}" if n else "healthy"
    parts = [head, f"{len(ran)} probe{'s' if len(ran) != 1 else ''}", f"{report.steps_total} training steps", f"{seconds:.0f} s"]
    if report.meta.get("interrupted"):
        parts.append("interrupted")
    return " · ".join(parts)


def crash_line(report: Report) -> str | None:
    c = report.crash
    if not c:
        return None
    where = f"at the {c['stage']}" if c.get("stage") and c["stage"] != "none" else ""
    if c.get("module"):
        where += f" in module {c['module']}"
    first = (c.get("message") or "").strip().splitlines()
    return f"The model crashed {where.strip()}: {first[0] if first else '(no message)'}".replace("  ", " ")


def references(report: Report) -> list[dict]:
    """The guide and papers the listed problems cite, each once, in order."""
    seen, out = set(), []
    for c in report.problems():
        for r in c.references:
            key = r.get("url") or r.get("title")
            if key not in seen:
                seen.add(key)
                out.append({**r, "cause": c.id})
    return out
