"""The report for a terminal (rich): ranked causes with bars, the evidence that moved each, first remedies."""
from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dldoctor.expert.report import Report

SHOWN = 6


def bar(score: float, width: int = 20) -> str:
    full = int(round(max(0.0, min(1.0, score)) * width))
    return "█" * full + "░" * (width - full)


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return "—" if v is None else str(v)


def renderable(report: Report, shown: int = SHOWN):
    parts = []
    head = Text()
    style = "bold red" if report.verdict == "problems" else "bold green"
    head.append(f"dldoctor: {report.verdict_line}", style=style)
    if report.meta.get("target"):
        head.append(f"  ·  {report.meta['target']}", style="dim")
    parts.append(head)
    if not report.diagnosed:
        parts.append(Text(f"The probes could not measure the model, so no verdict: {report.undiagnosed}", style="red"))
    if report.meta.get("writes"):
        tried = report.meta["writes"]
        parts.append(Text(f"The target's code tried to write {', '.join(tried[:5])}{' …' if len(tried) > 5 else ''}: "
                          "the writes went to a scratch folder, your files were not touched.", style="yellow"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("cause")
    table.add_column("belief")
    table.add_column("", justify="right")
    for i, c in enumerate(report.causes[:shown], 1):
        color = "red" if c.score >= report.threshold else ("yellow" if c.score >= report.threshold / 2 else "dim")
        table.add_row(str(i), f"{c.title} [dim]({c.id})[/]", Text(bar(c.score), style=color), f"{c.score:.2f}")
    parts.append(table)
    if not report.problems() and report.causes:
        top = report.causes[0]
        parts.append(Text(f"No cause reached the threshold ({report.threshold:g}); the highest is {top.id} at {top.score:.2f}.", style="green"))
    for c in report.problems()[:3]:
        lines = Text()
        lines.append(c.summary + "\n", style="italic")
        lines.append("Evidence:\n", style="bold")
        for e in c.evidence[:5]:
            sign = "+" if e.delta > 0 else "−"
            state = "present" if e.present else "absent"
            lines.append(f"  {sign} {e.title} ({state}; observed {fmt(e.observed)} by {e.probe}) {e.delta:+.1f}\n")
        lines.append("What to do, cheapest first:\n", style="bold")
        for j, r in enumerate(c.remedies[:3], 1):
            lines.append(f"  {j}. {r.title} — {r.steps[0]}\n")
        parts.append(Panel(lines, title=f"{c.title} · {c.score:.2f}", title_align="left", border_style="red"))
    if report.bias_variance and report.bias_variance.get("terms"):
        parts.append(bias_variance_table(report.bias_variance))
    probes = Table(title="Probes", box=None, header_style="bold", title_justify="left")
    for col in ("probe", "status", "seconds", "note"):
        probes.add_column(col)
    for p in report.probes:
        color = {"ok": "green", "failed": "red"}.get(p["status"], "dim")
        probes.add_row(p["id"], Text(p["status"], style=color), f"{p['seconds']:.2f}", p.get("message", "")[:70])
    parts.append(probes)
    if report.questions:
        q = Text("Questions only you can answer (use --answers FILE.yaml):\n", style="bold")
        for item in report.questions[:3]:
            q.append(f"  {item['symptom']}: {item['question']}\n")
        parts.append(q)
    return Group(*parts)


def bias_variance_table(bv: dict) -> Table:
    t = Table(title="Bias-variance decomposition", box=None, header_style="bold", title_justify="left")
    t.add_column("term")
    t.add_column("value", justify="right")
    t.add_column("")
    values = [abs(x["value"]) for x in bv["terms"] if isinstance(x.get("value"), (int, float))]
    top = max(values + [1e-9])
    for term in bv["terms"]:
        v = term.get("value")
        t.add_row(term["name"], fmt(v), bar(abs(v) / top, 24) if isinstance(v, (int, float)) else "")
    return t


def render(report: Report, width: int | None = None, color: bool = False) -> str:
    console = Console(width=width or 100, record=True, force_terminal=color, color_system="standard" if color else None, file=_Null())
    console.print(renderable(report))
    return console.export_text(styles=color)


class _Null:
    def write(self, s):
        return len(s)

    def flush(self):
        pass
