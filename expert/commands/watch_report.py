"""``dldoctor watch-report FILE``: a run recorded by the watch (probes/watch.py), rendered with its curves.

Text (rich, curves drawn by plotext) or markdown (``--format markdown``: a table of the findings, the
symptoms the KB sees and the curves as plain-text plots in code blocks).  Torch-free: it reads the
JSON-lines record with ``probes.record`` and judges it with the KB like ``dldoctor diagnose --record``.
"""
from __future__ import annotations

import math
import re
import sys

from dldoctor.expert.exit_codes import ExitCode
from dldoctor.expert.engine import REPORT_THRESHOLD

CURVES = (("loss", "training loss", False), ("grad_norm", "gradient norm (log10)", True), ("memory_mb", "memory (MB)", False))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def add_parser(sub) -> None:
    p = sub.add_parser("watch-report", help="render a run recorded by the watch, with its curves")
    p.add_argument("file", help="a record written by probes.watch (JSON lines)")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument("--width", type=int, default=72, help="plot width in characters")
    p.set_defaults(run=run)


def run(args) -> int:
    from dldoctor.probes.record import measure_file

    try:
        m = measure_file(args.file)
    except OSError as exc:
        print(f"dldoctor watch-report: {args.file}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"dldoctor watch-report: {args.file}: {exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    present, causes, note = judged(m)
    if note:
        m.notes.append(note)
    if args.format == "markdown":
        text = markdown(args.file, m, present, causes, args.width)
    else:
        text = terminal(args.file, m, present, causes, args.width, color=args.output is None and sys.stdout.isatty())
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return ExitCode.HEALTHY


def judged(m) -> tuple[list, list, str]:
    """(symptoms present as (title, finding, value), top causes as (id, title, score), a note)."""
    from dldoctor.expert import engine
    from dldoctor.expert.knowledge import load_kb, pyproject_kb_dirs
    from dldoctor.expert.problems import KBError

    try:
        kb = load_kb(pyproject_kb_dirs())
    except (KBError, ValueError, OSError) as exc:
        return [], [], f"no diagnosis: the knowledge base did not load ({str(exc).splitlines()[0]})"
    obs = engine.judge(kb, "record", m.findings, m.confidence)
    present = [(kb.symptoms[s].title, o.finding, o.observed) for s, o in sorted(obs.items()) if o.present]
    causes = [(b.cause, kb.causes[b.cause].title, b.score) for b in engine.rank(kb, obs) if b.score >= 0.2][:5]
    return present, causes, ""


def plot(steps: list, values: list, title: str, width: int, log: bool, color: bool) -> str:
    """One curve as plotext text (log10 of the values when ``log``); '' when nothing to draw."""
    import plotext as plt

    pts = [(s, v) for s, v in zip(steps, values) if v is not None and (v > 0 or not log)]
    if len(pts) < 2:
        return ""
    plt.clear_figure()
    plt.plotsize(width, 14)
    if not color:
        plt.theme("clear")
    plt.title(title)
    plt.xlabel("step")
    plt.plot([s for s, _ in pts], [math.log10(v) if log else v for _, v in pts], marker="braille" if color else "*")
    out = plt.build()
    plt.clear_figure()
    return out if color else _ANSI.sub("", out)


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}"
    return "—" if v is None else str(v)


def _summary(m) -> str:
    h = m.details.get("header", {})
    return (f"{h.get('model')} ({h.get('params')} parameters), {m.findings.get('steps')} steps, "
            f"per-layer measurements every {h.get('every')} steps, {h.get('optimizer') or 'no optimizer given'}, {h.get('device')}")


def markdown(path: str, m, present: list, causes: list, width: int) -> str:
    lines = [f"# Watch report: `{path}`", "", _summary(m), "", "| finding | value |", "| --- | --- |"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in m.findings.items()]
    lines += ["", "## What the knowledge base sees", ""]
    lines += [f"- {t} (`{f}` = {_fmt(v)})" for t, f, v in present] or ["- no symptom"]
    if causes:
        lines += ["", "| cause | belief |", "| --- | --- |"] + [f"| {t} (`{c}`) | {s:.2f} |" for c, t, s in causes]
    for key, title, log in CURVES:
        series = m.details.get(key, {})
        text = plot(series.get("step", []), series.get("value", []), title, width, log, color=False)
        if text:
            lines += ["", f"## {title}", "", "```", text.rstrip(), "```"]
    lines += [""] + [f"> {n}" for n in m.notes]
    return "\n".join(lines).rstrip() + "\n"


def terminal(path: str, m, present: list, causes: list, width: int, color: bool) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(record=True, width=max(width + 8, 80), force_terminal=color, no_color=not color, file=_Null())
    console.print(Text(f"watch report: {path}", style="bold"))
    console.print(Text(_summary(m), style="dim"))
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("finding")
    table.add_column("value", justify="right")
    for k, v in m.findings.items():
        table.add_row(k, _fmt(v))
    console.print(table)
    for t, f, v in present:
        console.print(Text(f"! {t} ({f} = {_fmt(v)})", style="yellow"))
    if not present:
        console.print(Text("no symptom in this run", style="green"))
    for c, t, s in causes:
        console.print(Text(f"  {s:.2f}  {t} ({c})", style="red" if s >= REPORT_THRESHOLD else ""))
    for key, title, log in CURVES:
        series = m.details.get(key, {})
        text = plot(series.get("step", []), series.get("value", []), title, width, log, color=color)
        if text:
            console.print(Text.from_ansi(text))
    for n in m.notes:
        console.print(Text(n, style="dim"))
    return console.export_text(styles=color)


class _Null:
    """A sink for the console's live output: the exported text is what gets written."""

    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass
