"""``dldoctor kb check | show ID | graph``: validate, read and draw the knowledge base."""
from __future__ import annotations

import sys

from dldoctor.expert.exit_codes import ExitCode
from dldoctor.expert.problems import KBError, did_you_mean


def add_parser(sub) -> None:
    p = sub.add_parser("kb", help="check, show or draw the knowledge base")
    ksub = p.add_subparsers(dest="kb_command", metavar="ACTION", required=True, parser_class=type(p))
    for name, help_ in (("check", "compile the KB and report every problem"), ("show", "one entry as a documentation page"),
                        ("graph", "the decision graph as Mermaid or Graphviz dot")):
        q = ksub.add_parser(name, help=help_)
        q.add_argument("--kb", action="append", default=[], metavar="DIR", help="an extra KB folder (repeatable)")
        q.add_argument("--no-builtin", action="store_true", help="only the --kb folders")
        if name == "show":
            q.add_argument("id", help="a cause, symptom, remedy, stage or probe id")
        if name == "graph":
            q.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
            q.add_argument("--level", choices=("top", "causes", "full"), default="top",
                           help="top: the workflow and its probes; causes: and the causes each probe points to; full: every node")
        q.set_defaults(run=run)


def load(args):
    from dldoctor.expert.knowledge import load_kb, pyproject_kb_dirs

    dirs = [*pyproject_kb_dirs(), *args.kb]
    return load_kb(dirs, builtin=not args.no_builtin, use_cache=args.kb_command != "check")


def run(args) -> int:
    try:
        kb = load(args)
    except KBError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        print(f"dldoctor kb: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}", file=sys.stderr)
        return ExitCode.UNUSABLE
    except ValueError as exc:
        print(f"dldoctor kb: {exc}", file=sys.stderr)
        return ExitCode.UNUSABLE
    if args.kb_command == "check":
        n = {k: len(getattr(kb, k)) for k in ("stages", "symptoms", "causes", "remedies", "probes")}
        edges = sum(len(v) for v in kb.by_cause.values())
        print(f"ok: {n['causes']} causes, {n['symptoms']} symptoms, {edges} evidence edges, {n['remedies']} remedies, "
              f"{n['stages']} stages, {n['probes']} probes")
        return ExitCode.HEALTHY
    if args.kb_command == "show":
        from dldoctor.expert.render.kb_page import page

        text = page(kb, args.id)
        if text is None:
            ids = [*kb.causes, *kb.symptoms, *kb.remedies, *kb.stages, *kb.probes]
            print(f"dldoctor kb show: no entry '{args.id}'{did_you_mean(args.id, ids)}", file=sys.stderr)
            return ExitCode.UNUSABLE
        print(text)
        return ExitCode.HEALTHY
    from dldoctor.expert.render.kb_graph import dot, mermaid

    print(mermaid(kb, args.level) if args.format == "mermaid" else dot(kb, args.level))
    return ExitCode.HEALTHY
