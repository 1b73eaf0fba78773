"""``dldoctor tui [TARGET]`` (or ``dldoctor TARGET``): the interactive session at a terminal.

Without a target it is a question-and-answer session over the KB, for a run on another machine.
"""
from __future__ import annotations

import sys
from pathlib import Path

from dldoctor.expert.commands import flags
from dldoctor.expert.exit_codes import ExitCode
from dldoctor.expert.problems import KBError
from dldoctor.expert.target import TargetError
from dldoctor.expert.engine import REPORT_THRESHOLD


def add_parser(sub) -> None:
    p = sub.add_parser("tui", help="diagnose interactively: probes, questions, ranked causes (the default with a TARGET)")
    p.add_argument("target", nargs="?", help="path/to/file.py[:function] or module:function; none: questions only")
    p.add_argument("--example", metavar="NAME", help="a built-in example instead of a target (see `dldoctor examples`)")
    p.add_argument("--kb", action="append", default=[], metavar="DIR", help="an extra KB folder (repeatable)")
    p.add_argument("--resume", metavar="FILE", help="resume a session saved with ctrl+s (answers and measurements)")
    p.add_argument("--save", metavar="FILE", help="where ctrl+s saves the session (default: the --resume file, else dldoctor-session.json)")
    p.add_argument("--export", metavar="FILE", default="dldoctor-report.md", help="where e writes the markdown report (default dldoctor-report.md)")
    p.add_argument("--fail-on", type=flags.fraction, default=REPORT_THRESHOLD, metavar="SCORE", help=f"the report threshold marked on the bars (default {REPORT_THRESHOLD})")
    p.add_argument("--probe-timeout", type=flags.positive, default=60.0, metavar="SECONDS", help="time limit of one probe (default 60)")
    p.add_argument("--seed", type=flags.seed, default=0)
    p.set_defaults(run=run)


def resolve_target(target: str | None, example: str | None) -> str | None:
    """The target spec to load (an example's module), checked as far as can be without importing it."""
    if example:
        from dldoctor.examples.builtin import EXAMPLES

        if example not in EXAMPLES:
            from dldoctor.expert.problems import did_you_mean

            raise TargetError(f"--example {example}: no such example{did_you_mean(example, EXAMPLES)} (see `dldoctor examples`)")
        return f"{EXAMPLES[example][0]}:subject"
    if target:
        from dldoctor.expert.target import split_spec

        path, _ = split_spec(target)
        if path.endswith(".py") and not Path(path).is_file():
            raise TargetError(f"{path}: no such file")
    return target


def run(args) -> int:
    from dldoctor.expert.knowledge import pyproject_kb_dirs
    from dldoctor.tui.persist import SessionFileError

    if not 0.0 < args.fail_on <= 1.0:
        print(f"dldoctor tui: --fail-on must be in (0, 1], got {args.fail_on}", file=sys.stderr)
        return ExitCode.UNUSABLE
    try:
        target = resolve_target(args.target, args.example)
        from dldoctor.tui.app import make_app

        app = make_app(target, [*pyproject_kb_dirs(), *args.kb], args.save, resume=args.resume, threshold=args.fail_on,
                       export_file=args.export, probe_timeout_s=args.probe_timeout, seed=args.seed)
    except (TargetError, SessionFileError, ValueError) as exc:
        print(f"dldoctor: {exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    except KBError as exc:
        more = f" (and {len(exc.problems) - 1} more; run `dldoctor kb check`)" if len(exc.problems) > 1 else ""
        print(f"dldoctor: invalid knowledge base: {exc.problems[0]}{more}", file=sys.stderr)
        return ExitCode.UNUSABLE
    app.run()
    return int(app.return_code or ExitCode.HEALTHY)  # non-zero only when the app itself failed
