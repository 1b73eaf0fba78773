"""``dldoctor tune TARGET``: search the hyper-parameters the subject exposes, coarse to fine then
Bayesian, each trial a fresh copy trained for --steps steps in a worker process."""
from __future__ import annotations

import os
import sys
import threading

from dldoctor.expert import output_file
from dldoctor.expert.exit_codes import ExitCode
from dldoctor.expert.target import TargetError

FORMATS = ("text", "json", "markdown")


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _storage(text: str) -> str:
    import argparse

    if "://" not in text:
        raise argparse.ArgumentTypeError(f"{text}: not a storage URL (e.g. sqlite:///tune.db)")
    return text


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def add_parser(sub) -> None:
    p = sub.add_parser("tune", help="tune the hyper-parameters the subject exposes (lr first), coarse to fine then Bayesian")
    p.add_argument("target", help="path/to/file.py[:function] or module:function")
    p.add_argument("--trials", type=_positive, default=20, metavar="N", help="trials in the study, all workers together (default 20)")
    p.add_argument("--steps", type=_positive, default=300, metavar="N", help="training steps of each trial (default 300)")
    p.add_argument("--workers", type=_positive, default=1, metavar="N", help="worker processes on this machine (default 1)")
    p.add_argument("--storage", type=_storage, metavar="URL", help="an Optuna storage shared by workers and machines: sqlite:///tune.db, "
                                                   "postgresql://user:pass@host/db, mysql://...")
    p.add_argument("--study", metavar="NAME", help="the study's name in the storage (default: from the target)")
    p.add_argument("--params", type=_names, metavar="NAME,NAME", help="search only these (default: all the subject exposes)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--output", metavar="FILE", help="write the result here instead of standard output")
    p.add_argument("--seed", type=int, default=0, help="the seed of every trial's training (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(run=run)


def run(args) -> int:
    from dldoctor.expert.render import tune as render
    from dldoctor.expert.tune import TuneError, tune

    progress = _Progress(args)
    try:
        with progress:
            summary = tune(args.target, trials=args.trials, steps=args.steps, workers=args.workers, storage=args.storage,
                           study=args.study, seed=args.seed, params=args.params, on_progress=progress.event)
    except (TargetError, TuneError) as exc:
        print(f"dldoctor tune: {exc}", file=sys.stderr)
        return ExitCode.PROBLEMS if getattr(exc, "crashed", False) else ExitCode.UNUSABLE
    if args.format == "json":
        out = render.to_json(summary)
    elif args.format == "markdown":
        out = render.markdown(summary)
    else:
        color = args.output is None and sys.stdout.isatty()
        out = render.text(summary, color=color, width=None if not color else os.get_terminal_size().columns)
    if args.output:
        try:
            output_file.write(args.output, out)  # beside it, then renamed: the old file stays whole until then
        except (OSError, output_file.OutputError) as exc:
            print(f"dldoctor tune: --output {args.output}: cannot write: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return ExitCode.UNUSABLE
    else:
        sys.stdout.write(out)
    return ExitCode.HEALTHY if summary.get("best") else ExitCode.PROBLEMS


class _Progress:
    """On a terminal: a live status line.  Off it: one stderr line per finished trial."""

    def __init__(self, args):
        self.quiet, self.workers, self.status = args.quiet, args.workers, None
        self.live = sys.stderr.isatty() and not args.quiet
        self.lock = threading.Lock()

    def __enter__(self):
        if self.live:
            from rich.console import Console

            self.console = Console(stderr=True)
            self.status = self.console.status("loading the target…")
            self.status.start()
        return self

    def event(self, worker: int, fraction: float, message: str) -> None:
        if self.quiet:
            return
        tag = f"[worker {worker + 1}] " if self.workers > 1 else ""
        finished = message.startswith(("trial ", "as given:"))
        with self.lock:
            if self.live:
                if finished:
                    self.console.print(f"{tag}{message}", highlight=False, markup=False)
                self.status.update(f"{tag}{message}  ({fraction:.0%} of the trials)")
            elif finished:
                print(f"dldoctor tune: {tag}{message}", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        if self.status is not None:
            self.status.stop()
        return False
