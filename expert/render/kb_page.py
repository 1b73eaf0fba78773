"""``dldoctor kb show ID``: one KB entry rendered like a documentation page (plain Markdown-ish text)."""
from __future__ import annotations


def page(kb, id_: str) -> str | None:
    if id_ in kb.causes:
        return _cause(kb, id_)
    if id_ in kb.symptoms:
        return _symptom(kb, id_)
    if id_ in kb.remedies:
        return _remedy(kb, id_)
    if id_ in kb.stages:
        return _stage(kb, id_)
    if id_ in kb.probes:
        return _probe(kb, id_)
    return None


def _how(kb, sid: str) -> str:
    from dldoctor.expert.predicate import describe

    j = kb.symptoms[sid].probe
    return "asked" if j is None else f"{j.probe}: {describe(j)}"


def _refs(refs) -> list[str]:
    return [f"- {r.title}" + (f" <{r.url}>" if r.url else "") for r in refs]


def _cause(kb, cid: str) -> str:
    c = kb.causes[cid]
    out = [f"# {c.title}", f"cause `{c.id}` · {c.group} · {c.category} · stage {c.stage} · prior {c.prior:g}",
           f"defined at {kb.sources[f'cause:{cid}']}", "", c.summary, "", "## Why it happens", c.mechanism.strip(), "", "## Evidence",
           "| symptom | if present | if absent | measured by |", "|---|---:|---:|---|"]
    for e in sorted(kb.by_cause[cid], key=lambda e: -abs(e.weight)):
        out.append(f"| {e.symptom} | {e.weight:+.1f} | {e.if_absent:+.1f} | {_how(kb, e.symptom)} |")
    out += ["", "## What to do, cheapest first"]
    for i, rid in enumerate(c.remedies, 1):
        r = kb.remedies[rid]
        out.append(f"{i}. {r.title} ({r.cost})")
        out += [f"   - {s}" for s in r.steps]
    if c.references:
        out += ["", "## References", *_refs(c.references)]
    return "\n".join(out)


def _symptom(kb, sid: str) -> str:
    s = kb.symptoms[sid]
    out = [f"# {s.title}", f"symptom `{s.id}` · stage {s.stage} · base rate {s.base_rate:g}", f"defined at {kb.sources[f'symptom:{sid}']}", ""]
    if s.question:
        out += [f"Question: {s.question}", ""]
    if s.probe:
        out += [f"Measured: {_how(kb, sid)}", ""]
    if s.doc:
        out += [s.doc, ""]
    out += ["## Evidence for", *[f"- {e.cause}: {e.weight:+.1f} if present, {e.if_absent:+.1f} if absent" for e in kb.by_symptom.get(sid, [])]]
    return "\n".join(out)


def _remedy(kb, rid: str) -> str:
    r = kb.remedies[rid]
    used = [cid for cid, c in kb.causes.items() if rid in c.remedies]
    out = [f"# {r.title}", f"remedy `{r.id}` · cost {r.cost}", f"defined at {kb.sources[f'remedy:{rid}']}", "", "## Steps"]
    out += [f"{i}. {s}" for i, s in enumerate(r.steps, 1)]
    out += ["", "## Remedy for", *[f"- {c}" for c in used]]
    if r.references:
        out += ["", "## References", *_refs(r.references)]
    return "\n".join(out)


def _stage(kb, sid: str) -> str:
    s = kb.stages[sid]
    out = [f"# {s.title}", f"stage `{s.id}` · order {s.order}" + (f" · next: {', '.join(s.next)}" if s.next else ""), "", s.summary]
    if s.checks:
        out += ["", "## Checks", *[f"{i}. {c}" for i, c in enumerate(s.checks, 1)]]
    causes = [c for c, x in kb.causes.items() if x.stage == sid]
    if causes:
        out += ["", "## Causes checked here", *[f"- {c}" for c in causes]]
    return "\n".join(out)


def _probe(kb, pid: str) -> str:
    p = kb.probes[pid]
    out = [f"# {p.title}", f"probe `{p.id}` · about {p.cost_s:g} s · needs {', '.join(p.needs)}", "", p.doc, "", "## Findings"]
    out += [f"- `{f.name}` ({f.kind}{': ' + ', '.join(f.values) if f.values else ''}) — {f.doc}" for f in p.findings]
    out += ["", "## Answers", *[f"- {s}: {_how(kb, s)}" for s in kb.symptoms_by_probe.get(pid, [])]]
    return "\n".join(out)
