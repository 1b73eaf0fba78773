"""The report as Markdown, for a pull-request comment or a CI job summary."""
from __future__ import annotations

from dldoctor.expert.render.text import bar, fmt
from dldoctor.expert.report import Report


def render(report: Report, shown: int = 8) -> str:
    icon = "🔴" if report.verdict == "problems" else "🟢"
    out = [f"## {icon} dldoctor: {report.verdict_line}", ""]
    if not report.diagnosed:
        out += [f"The probes could not measure the model, so no verdict: {report.undiagnosed}", ""]
    if report.meta.get("target"):
        out += [f"Target: `{report.meta['target']}` · threshold {report.threshold:g}", ""]
    out += ["| # | cause | belief | |", "|---:|---|---|---:|"]
    for i, c in enumerate(report.causes[:shown], 1):
        out.append(f"| {i} | {c.title} (`{c.id}`) | `{bar(c.score, 16)}` | {c.score:.2f} |")
    if not report.problems() and report.causes:
        out += ["", f"No cause reached the threshold ({report.threshold:g}); the highest is `{report.causes[0].id}` at {report.causes[0].score:.2f}."]
    for c in report.problems()[:3]:
        out += ["", f"### {c.title} — {c.score:.2f}", "", c.summary, "", "**Evidence**", ""]
        for e in c.evidence[:6]:
            state = "present" if e.present else "absent"
            out.append(f"- {e.title} — {state}, observed `{fmt(e.observed)}` by `{e.probe}` ({e.delta:+.1f})")
        out += ["", "**What to do, cheapest first**", ""]
        for j, r in enumerate(c.remedies[:4], 1):
            out.append(f"{j}. **{r.title}** — {'; '.join(r.steps[:2])}")
    bv = report.bias_variance
    if bv and bv.get("terms"):
        out += ["", "### Bias-variance decomposition", "", "| term | value | |", "|---|---:|---|"]
        values = [abs(x["value"]) for x in bv["terms"] if isinstance(x.get("value"), (int, float))]
        top = max(values + [1e-9])
        for t in bv["terms"]:
            v = t.get("value")
            out.append(f"| {t['name']} | {fmt(v)} | `{bar(abs(v) / top, 16) if isinstance(v, (int, float)) else ''}` |")
    out += ["", "<details><summary>Probes</summary>", "", "| probe | status | seconds | note |", "|---|---|---:|---|"]
    for p in report.probes:
        note = p.get("message", "").replace("|", "\\|")[:90]
        out.append(f"| {p['id']} | {p['status']} | {p['seconds']:.2f} | {note} |")
    out += ["", "</details>", ""]
    return "\n".join(out)
