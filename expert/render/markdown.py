"""The report as Markdown, for a pull-request comment or a CI job summary: the same evidence wording,
crash message, probe checklist, references and summary line as the terminal report."""
from __future__ import annotations

from dldoctor.expert.render import checklist
from dldoctor.expert.render.text import SCALE, _why_not, bar, fmt
from dldoctor.expert.report import Report


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render(report: Report, shown: int = 8) -> str:
    icon = "🔴" if report.verdict == "problems" else "🟢"
    out = [f"## {icon} dldoctor: {report.verdict_line}", ""]
    if not report.diagnosed:
        out += [f"The probes could not measure the model, so no verdict: {report.undiagnosed}", ""]
    if report.meta.get("target"):
        out += [f"Target: `{report.meta['target']}` · threshold {report.threshold:g}", ""]
    crash = checklist.crash_line(report)
    if crash:
        out += [f"**{_cell(crash)}**", "", "```", (report.crash.get("message") or "").strip()[:2000], "```", ""]
    causes, folded = checklist.shown_causes(report, shown)
    out += ["| # | cause | belief | |", "|---:|---|---|---:|"]
    for i, c in enumerate(causes, 1):
        out.append(f"| {i} | {_cell(c.title)} (`{c.id}`) | `{bar(c.score, 16)}` | {c.score:.2f} |")
    if folded:
        out += ["", f"{folded} more below (near their prior)."]
    if not report.problems() and report.causes:
        out += ["", f"No cause reached the threshold ({report.threshold:g}); the highest is `{report.causes[0].id}` at {report.causes[0].score:.2f}."]
    for c in report.problems()[:3]:
        out += ["", f"### {c.title} — {c.score:.2f}", "", c.summary, "", "**Evidence**", ""]
        for e in checklist.evidence_lines(c)[:6]:
            seen = "" if e.present else "not seen: "
            out.append(f"- {'+' if e.delta > 0 else '−'} {seen}{e.title} — {e.text} ({e.delta:+.1f})")
        out += ["", "**What to do, cheapest first**", ""]
        for j, r in enumerate(c.remedies[:4], 1):
            out.append(f"{j}. **{r.title}** — {'; '.join(r.steps[:2])}")
    bv = report.bias_variance
    if bv and bv.get("terms"):
        out += ["", "### Bias-variance decomposition", "", "| term | value | |", "|---|---:|---|"]
        top = max([x["value"] for x in bv["terms"] if isinstance(x.get("value"), (int, float)) and x["value"] > 0] + [SCALE])
        for t in bv["terms"]:
            v = t.get("value")
            if isinstance(v, (int, float)):
                out.append(f"| {t['name']} | {fmt(v)} | `{bar(v / top, 16)}` |" if v > 0 else f"| {t['name']} | {fmt(v)} | (negative: none) |")
            else:
                out.append(f"| {t['name']} | — | not computed: {_why_not(t['name'], bv)} |")
    out += ["", "<details><summary>Probes</summary>", "", "| | probe | result |", "|---|---|---|"]
    for stage, lines in checklist.probe_lines(report):
        out.append(f"| | **{_cell(stage)}** | |")
        for p in lines:
            steps = f" ({p.steps} steps)" if p.steps else ""
            out.append(f"| {p.mark} | {p.id} | {_cell(p.says[:200])}{steps} |")
    out += ["", "</details>"]
    refs = checklist.references(report)
    if refs:
        out += ["", "**References**", ""]
        out += [f"- [{_cell(r['title'])}]({r['url']})" if r.get("url") else f"- {r['title']}" for r in refs]
    out += ["", f"*{checklist.summary_line(report)}*", ""]
    return "\n".join(out)
