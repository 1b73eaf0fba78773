"""``dldoctor``: a thin shell over expert.diagnosis and the KB compiler.  One explicit command table."""
from __future__ import annotations

import argparse
import importlib
import sys

from dldoctor.expert.exit_codes import ExitCode

# command -> module with add_parser(subparsers) and run(args) -> int
COMMANDS = {
    "diagnose": "dldoctor.expert.commands.diagnose",
    "kb": "dldoctor.expert.commands.kb",
    "examples": "dldoctor.expert.commands.examples",
    "tui": "dldoctor.expert.commands.tui",
    "bench": "dldoctor.expert.commands.bench",
    "watch-report": "dldoctor.expert.commands.watch_report",
    "tune": "dldoctor.expert.commands.tune",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (the contract)
        self.exit(ExitCode.UNUSABLE, f"dldoctor: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dldoctor", description="Find out why a deep-learning model trains badly, and what to do about it.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, modname in COMMANDS.items():
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue  # a command whose module is not there yet
            raise
        mod.add_parser(sub)
    return p


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "tui")  # `dldoctor TARGET` opens the interactive session
    p = parser()
    args = p.parse_args(argv)
    if not getattr(args, "command", None):
        p.print_help()
        return ExitCode.UNUSABLE
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("dldoctor: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.HEALTHY


if __name__ == "__main__":
    sys.exit(main())
