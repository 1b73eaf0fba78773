"""``dldoctor examples``: the built-in examples, runnable with ``dldoctor diagnose --example NAME``."""
from __future__ import annotations

from dldoctor.expert.exit_codes import ExitCode


def add_parser(sub) -> None:
    p = sub.add_parser("examples", help="list the built-in examples")
    p.set_defaults(run=run)


def run(args) -> int:
    from dldoctor.examples.builtin import EXAMPLES

    width = max(len(n) for n in EXAMPLES)
    for name, (_module, description) in EXAMPLES.items():
        print(f"{name:<{width}}  {description}")
    print("\nrun one: dldoctor diagnose --example NAME")
    return ExitCode.HEALTHY
