"""``dldoctor diagnose TARGET``: the headless diagnosis for a terminal and for CI."""
from __future__ import annotations

import sys

from dldoctor.expert.commands import flags
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
    p.add_argument("--world-size", type=_world, metavar="N", help="train the target on N ranks too (torch.distributed, gloo, CPU); "
                   "with --record: the ranks the recorded run had")
    p.add_argument("--baseline", metavar="FILE", help="with a distributed run's --record: the single-process watch record it replaced")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument("--budget", type=flags.positive, default=120.0, metavar="SECONDS", help="time for all probes (default 120)")
    p.add_argument("--probe-timeout", type=flags.positive, default=60.0, metavar="SECONDS", help="time limit of one probe (default 60)")
    p.add_argument("--fail-on", type=flags.fraction, default=REPORT_THRESHOLD, metavar="SCORE", help="verdict 'problems' (exit 1) when a cause reaches this belief")
    p.add_argument("--kb", action="append", default=[], metavar="DIR", help="an extra KB folder (repeatable)")
    p.add_argument("--answers", metavar="FILE.yaml", help="answers to questions no probe can answer: symptom: yes|no|unknown")
    p.add_argument("--seed", type=flags.seed, default=0)
    p.add_argument("--memory-budget", type=flags.positive, metavar="MB", help="memory budget for the memory probe (default: the device's)")
    p.add_argument("--probes", metavar="ID,ID", type=_ids, help="run only these probes")
    p.add_argument("--skip-probes", metavar="ID,ID", type=_ids, default=[], help="never run these probes")
    p.add_argument("--no-cache", action="store_true", help="compile the KB afresh")
    p.add_argument("--progress", choices=("none", "plain", "live"), default=None,
                   help="progress on stderr: a line per probe (plain, the default when stderr is not a terminal), "
                        "a live line (live, the default on a terminal) or nothing")
    p.add_argument("--quiet", action="store_true", help="text: the verdict line and the causes above --fail-on only")
    p.set_defaults(run=run)


def _world(text: str) -> int:
    import argparse

    from dldoctor.expert.target import MAX_WORLD

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 2 <= n <= MAX_WORLD:
        raise argparse.ArgumentTypeError(f"must be from 2 to {MAX_WORLD}, got {n}")
    return n


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

    from dldoctor.expert import output_file

    try:
        if args.output:
            output_file.check(args.output)  # before the diagnosis: a report that cannot be written is not made
    except output_file.OutputError as exc:
        print(f"dldoctor: {exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    try:
        target = _target(args)
        if target is None and not args.record and not args.answers:
            print("dldoctor diagnose: give a TARGET, --example NAME, --record FILE or --answers FILE", file=sys.stderr)
            return ExitCode.UNUSABLE
        with _progress(args) as on_event, stop_signals():
            report = diagnose(target, budget=args.budget, seed=args.seed, fail_on=args.fail_on, kb_dirs=[*pyproject_kb_dirs(), *args.kb],
                              answers=args.answers, record=args.record, memory_budget_mb=args.memory_budget,
                              probe_timeout=args.probe_timeout, use_cache=not args.no_cache, on_event=on_event,
                              probes=args.probes, skip_probes=args.skip_probes, world_size=args.world_size,
                              baseline=args.baseline)
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
    text = render(report, args.format, color=args.output is None and sys.stdout.isatty(), quiet=args.quiet)
    if args.output:
        try:
            output_file.write(args.output, text)  # beside it, then renamed: the old report stays whole until then
        except (OSError, output_file.OutputError) as exc:
            print(f"dldoctor: --output {args.output}: cannot write the report: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return ExitCode.UNUSABLE
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if report.meta.get("interrupted"):
        print("dldoctor: interrupted — the report shows what was found so far", file=sys.stderr)
        return ExitCode.INTERRUPTED
    if not report.diagnosed:
        print(f"dldoctor: could not diagnose: {report.undiagnosed}", file=sys.stderr)
        return ExitCode.UNUSABLE
    return ExitCode.PROBLEMS if report.verdict == "problems" else ExitCode.HEALTHY


class stop_signals:
    """SIGTERM and SIGHUP (how CI cancels a job, how a closed terminal ends it) handled as Ctrl-C: the
    worker is killed with its whole process group and the report so far is printed (exit 130)."""

    SIGNALS = ("SIGTERM", "SIGHUP")

    def __enter__(self):
        import signal
        import threading

        self.previous = {}
        if threading.current_thread() is threading.main_thread():
            for name in self.SIGNALS:
                sig = getattr(signal, name, None)
                if sig is not None:
                    self.previous[sig] = signal.signal(sig, _as_interrupt)
        return self

    def __exit__(self, *exc):
        import signal

        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


def _as_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def render(report, fmt: str, color: bool = False, quiet: bool = False) -> str:
    if fmt == "json":
        return report.dumps() + "\n"
    if fmt == "markdown":
        from dldoctor.expert.render.markdown import render as md

        return md(report)
    if fmt == "junit":
        from dldoctor.expert.render.junit import render as junit

        return junit(report)
    from dldoctor.expert.render.text import render as text

    return text(report, color=color, quiet=quiet)


class _progress:
    """Progress on stderr while probes run: a live line on a terminal, a line per probe otherwise
    (a CI log shows the diagnosis moving), or nothing (``--progress none``)."""

    def __init__(self, args):
        mode = getattr(args, "progress", None) or ("live" if sys.stderr.isatty() else "plain")
        self.mode = mode
        self.status = None
        self.count = 0
        self._left = None

    def __enter__(self):
        if self.mode == "none":
            return None
        if self.mode == "plain":  # nothing before the first probe: an unusable target's error stays the one line
            return self.line
        from rich.console import Console

        self.status = Console(stderr=True).status("loading the target…")
        self.status.start()
        return self.event

    def line(self, kind: str, data: dict) -> None:
        if kind == "done":
            self.count += 1
            n = data.get("steps") or 0
            steps = f", {n} step{'s' if n != 1 else ''}" if n else ""
            print(f"dldoctor: [{self.count}] {data['probe']}: {data['status']} ({data['seconds']:.1f} s{steps})",
                  file=sys.stderr, flush=True)

    def event(self, kind: str, data: dict) -> None:
        if kind in ("start", "progress"):
            left = data.get("budget", 0) - data.get("elapsed", 0) if "budget" in data else None
            self._left = left if left is not None else self._left
            extra = f" · {data.get('message')}" if data.get("message") else ""
            budget = f" · {self._left:.0f} s of budget left" if self._left is not None else ""
            self.status.update(f"probe [bold]{data['probe']}[/]{extra}{budget}")

    def __exit__(self, *exc):
        if self.status is not None:
            self.status.stop()
        return False
