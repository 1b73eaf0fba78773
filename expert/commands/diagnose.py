"""``dldoctor diagnose TARGET``: the headless diagnosis for a terminal and for CI."""
from __future__ import annotations

import sys
from pathlib import Path

from dldoctor.expert.exit_codes import ExitCode
from dldoctor.expert.problems import KBError
from dldoctor.expert.target import TargetError
from dldoctor.expert.engine import REPORT_THRESHOLD

FORMATS = ("text", "markdown", "json", "junit")


def add_parser(sub) -> None:
    p = sub.add_parser("diagnose", help="diagnose a target headless (terminal or CI)")
    p.add_argument("target", nargs="?", help="path/to/file.py[:function] or module:function")
    p.add_argument("--example", metavar="NAME", help="a built-in example instead of a target (see `dldoctor examples`)")
    p.add_argument("--record", metavar="FILE", help="a watch record (JSON lines) to diagnose, alone or with a target")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument("--budget", type=float, default=120.0, metavar="SECONDS", help="time for all probes (default 120)")
    p.add_argument("--probe-timeout", type=float, default=60.0, metavar="SECONDS", help="time limit of one probe (default 60)")
    p.add_argument("--fail-on", type=float, default=REPORT_THRESHOLD, metavar="SCORE", help="verdict 'problems' (exit 1) when a cause reaches this belief")
    p.add_argument("--kb", action="append", default=[], metavar="DIR", help="an extra KB folder (repeatable)")
    p.add_argument("--answers", metavar="FILE.yaml", help="answers to questions no probe can answer: symptom: yes|no|unknown")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--memory-budget", type=float, metavar="MB", help="memory budget for the memory probe (default: the device's)")
    p.add_argument("--probes", metavar="ID,ID", type=_ids, help="run only these probes")
    p.add_argument("--skip-probes", metavar="ID,ID", type=_ids, default=[], help="never run these probes")
    p.add_argument("--no-cache", action="store_true", help="compile the KB afresh")
    p.set_defaults(run=run)


def _ids(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _target(args) -> str | None:
    if args.example:
        from dldoctor.examples.builtin import EXAMPLES

        if args.example not in EXAMPLES:
            from dldoctor.expert.problems import did_you_mean

            raise TargetError(f"--example {args.example}: no such example{did_you_mean(args.example, EXAMPLES)} (see `dldoctor examples`)")
        return f"{EXAMPLES[args.example][0]}:subject"
    return args.target


def run(args) -> int:
    from dldoctor.expert.diagnosis import diagnose
    from dldoctor.expert.knowledge import pyproject_kb_dirs

    if not 0.0 < args.fail_on <= 1.0:
        print(f"dldoctor diagnose: --fail-on must be in (0, 1], got {args.fail_on}", file=sys.stderr)
        return ExitCode.UNUSABLE
    if args.budget <= 0:
        print(f"dldoctor diagnose: --budget must be positive, got {args.budget}", file=sys.stderr)
        return ExitCode.UNUSABLE
    try:
        target = _target(args)
        if target is None and not args.record and not args.answers:
            print("dldoctor diagnose: give a TARGET, --example NAME, --record FILE or --answers FILE", file=sys.stderr)
            return ExitCode.UNUSABLE
        with _progress(args) as on_event:
            report = diagnose(target, budget=args.budget, seed=args.seed, fail_on=args.fail_on, kb_dirs=[*pyproject_kb_dirs(), *args.kb],
                              answers=args.answers, record=args.record, memory_budget_mb=args.memory_budget,
                              probe_timeout=args.probe_timeout, use_cache=not args.no_cache, on_event=on_event,
                              probes=args.probes, skip_probes=args.skip_probes)
    except TargetError as exc:
        print(f"dldoctor: {exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    except KBError as exc:
        first = exc.problems[0]
        more = f" (and {len(exc.problems) - 1} more; run `dldoctor kb check`)" if len(exc.problems) > 1 else ""
        print(f"dldoctor: invalid knowledge base: {first}{more}", file=sys.stderr)
        return ExitCode.UNUSABLE
    except ValueError as exc:  # e.g. an unreadable [tool.dldoctor] setting
        print(f"dldoctor: {exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    text = render(report, args.format, color=args.output is None and sys.stdout.isatty())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if report.meta.get("interrupted"):
        print("dldoctor: interrupted — the report shows what was found so far", file=sys.stderr)
        return ExitCode.INTERRUPTED
    return ExitCode.PROBLEMS if report.verdict == "problems" else ExitCode.HEALTHY


def render(report, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        return report.dumps() + "\n"
    if fmt == "markdown":
        from dldoctor.expert.render.markdown import render as md

        return md(report)
    if fmt == "junit":
        from dldoctor.expert.render.junit import render as junit

        return junit(report)
    from dldoctor.expert.render.text import render as text

    return text(report, color=color)


class _progress:
    """A live line on a terminal's stderr while probes run; nothing when not a terminal or JSON."""

    def __init__(self, args):
        self.enabled = sys.stderr.isatty() and args.format != "json"
        self.status = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console

        self.status = Console(stderr=True).status("loading the target…")
        self.status.start()
        return self.event

    def event(self, kind: str, data: dict) -> None:
        if kind in ("start", "progress"):
            left = data.get("budget", 0) - data.get("elapsed", 0) if "budget" in data else None
            self._left = left if left is not None else getattr(self, "_left", None)
            extra = f" · {data.get('message')}" if data.get("message") else ""
            budget = f" · {self._left:.0f} s of budget left" if self._left is not None else ""
            self.status.update(f"probe [bold]{data['probe']}[/]{extra}{budget}")

    def __exit__(self, *exc):
        if self.status is not None:
            self.status.stop()
        return False
