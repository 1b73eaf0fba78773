"""The report for a terminal (rich): verdict, ranked causes, each problem's evidence in the reader's
units and first remedies, the bias-variance terms, the probe checklist by stage, one summary line last.

Width follows the terminal (``COLUMNS`` when set); nothing is drawn wider, and wrapped lines indent
under their own text (grids, not running text).
"""
from __future__ import annotations

import shutil

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dldoctor.expert.render import checklist
from dldoctor.expert.report import Report

SHOWN = 6
SCALE = 0.25  # the bias-variance bars' full length, or the largest term when larger (errors as fractions)
MAX_WIDTH = 160  # past this, lines get too long to read
STATE_STYLE = {"passed": "green", "problem": "bold red", "not measured": "dim", "failed": "yellow"}


def bar(score: float, width: int = 20) -> str:
    full = int(round(max(0.0, min(1.0, score)) * width))
    return "█" * full + "░" * (width - full)


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return "—" if v is None else str(v)


def _grid(*ratios, expand: bool = False) -> Table:
    t = Table.grid(padding=(0, 1), expand=expand)
    for r in ratios:
        if r == "right":
            t.add_column(justify="right", no_wrap=True)
        elif r == "fixed":
            t.add_column(no_wrap=True)
        else:
            t.add_column(ratio=1, overflow="fold")
    return t


def head(report: Report) -> Text:
    t = Text()
    t.append(f"dldoctor: {report.verdict_line}", style="bold red" if report.verdict == "problems" else "bold green")
    if report.meta.get("target"):
        t.append(f"  ·  {report.meta['target']}", style="dim")
    return t


def causes_table(report: Report, causes, folded: int, width: int) -> Table:
    bar_w = 20 if width >= 100 else 10
    table = _grid("right", "text", "fixed", "right")
    for i, c in enumerate(causes, 1):
        color = "red" if c.score >= report.threshold else ("yellow" if c.score >= report.threshold / 2 else "dim")
        table.add_row(f"{i}.", Text.from_markup(f"{_esc(c.title)} [dim]({c.id})[/]"), Text(bar(c.score, bar_w), style=color), f"{c.score:.2f}")
    if folded:
        table.add_row("", Text(f"{folded} more below (near their prior)", style="dim"), "", "")
    return table


def cause_panel(c) -> Panel:
    body = _grid("fixed", "text", "right", expand=True)
    body.add_row("", Text(c.summary, style="italic"), "")
    body.add_row("", Text("Evidence:", style="bold"), "")
    for e in checklist.evidence_lines(c)[:5]:
        sign = "+" if e.delta > 0 else "−"
        seen = "" if e.present else "not seen: "
        body.add_row(sign, Text(f"{seen}{e.title} — {e.text}"), f"{e.delta:+.1f}")
    body.add_row("", Text("What to do, cheapest first:", style="bold"), "")
    for j, r in enumerate(c.remedies[:3], 1):
        body.add_row(f"{j}.", Text(f"{r.title} — {r.steps[0]}"), "")
    return Panel(body, title=f"{_esc(c.title)} · {c.score:.2f}", title_align="left", border_style="red")


def bias_variance_table(bv: dict) -> Table:
    t = Table(title="Bias-variance decomposition", box=None, header_style="bold", title_justify="left", pad_edge=False)
    t.add_column("term", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("", overflow="fold")
    computed = [x for x in bv["terms"] if isinstance(x.get("value"), (int, float))]
    top = max([x["value"] for x in computed if x["value"] > 0] + [SCALE])  # a tiny term draws a short bar
    for term in bv["terms"]:
        v = term.get("value")
        if isinstance(v, (int, float)):
            t.add_row(term["name"], fmt(v), bar(v / top, 24) if v > 0 else Text("(negative: none)", style="dim"))
        else:
            t.add_row(term["name"], Text("—", style="dim"), Text(f"not computed: {_why_not(term['name'], bv)}", style="dim"))
    return t


def _why_not(name: str, bv: dict) -> str:
    errors = bv.get("errors") or {}
    return {
        "irreducible": "no target_error in the subject",
        "avoidable bias": "no target_error in the subject",
        "variance": "no validation data" if errors.get("val") is None else "no training error",
        "distribution shift": "needs a train-dev split",
        "validation over-fitting": "no test data" if errors.get("test") is None else "no validation error",
    }.get(name, "not measured")


def probes_table(report: Report) -> Table:
    t = _grid("fixed", "fixed", "text")
    for stage, lines in checklist.probe_lines(report):
        t.add_row("", Text(stage, style="bold"), "")
        for p in lines:
            steps = f" ({p.steps} step{'s' if p.steps != 1 else ''})" if p.steps else ""
            t.add_row(Text(p.mark, style=STATE_STYLE[p.state]), p.id, Text(p.says + steps, style=STATE_STYLE[p.state]))
    return t


def renderable(report: Report, shown: int = SHOWN, width: int = 100, quiet: bool = False):
    parts = [head(report)]
    if not report.diagnosed:
        parts.append(Text(f"The probes could not measure the model, so no verdict: {report.undiagnosed}", style="red"))
    causes, folded = checklist.shown_causes(report, shown)
    if quiet:
        problems = report.problems()
        if problems:
            parts.append(causes_table(report, problems, 0, width))
        return Group(*parts)
    crash = checklist.crash_line(report)
    if crash:
        parts.append(Text(crash, style="bold red"))
    if report.meta.get("writes"):
        tried = report.meta["writes"]
        parts.append(Text(f"The target's code tried to write {', '.join(tried[:5])}{' …' if len(tried) > 5 else ''}: "
                          "the writes went to a scratch folder, your files were not touched.", style="yellow"))
    parts.append(causes_table(report, causes, folded, width))
    if not report.problems() and report.causes:
        top = report.causes[0]
        parts.append(Text(f"No cause reached the threshold ({report.threshold:g}); the highest is {top.id} at {top.score:.2f}.", style="green"))
    for c in report.problems()[:3]:
        parts.append(cause_panel(c))
    if report.bias_variance and report.bias_variance.get("terms"):
        parts.append(bias_variance_table(report.bias_variance))
    parts.append(Text("Probes", style="bold underline"))
    parts.append(probes_table(report))
    if report.questions:
        q = _grid("fixed", "text")
        q.add_row("", Text("Questions only you can answer (use --answers FILE.yaml):", style="bold"))
        for item in report.questions[:3]:
            q.add_row(" ", Text(f"{item['symptom']}: {item['question']}"))
        parts.append(q)
    refs = checklist.references(report)
    if refs:
        r = _grid("fixed", "text")
        r.add_row("", Text("References:", style="bold"))
        for ref in refs[:6]:
            r.add_row("·", Text(f"{ref['title']} {ref.get('url', '')}".strip()))
        parts.append(r)
    parts.append(Text(checklist.summary_line(report), style="bold"))
    return Group(*parts)


def terminal_width() -> int:
    """COLUMNS when set (what a CI log or a pipe says it is), else the terminal's, at most MAX_WIDTH."""
    return max(20, min(MAX_WIDTH, shutil.get_terminal_size((100, 24)).columns))


def render(report: Report, width: int | None = None, color: bool = False, quiet: bool = False) -> str:
    width = width or terminal_width()
    console = Console(width=width, record=True, force_terminal=color, color_system="standard" if color else None, file=_Null())
    console.print(renderable(report, width=width, quiet=quiet))
    text = console.export_text(styles=color)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _esc(s: str) -> str:
    from rich.markup import escape

    return escape(s)


class _Null:
    def write(self, s):
        return len(s)

    def flush(self):
        pass
