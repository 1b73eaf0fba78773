"""``dldoctor bench``: diagnose every case of a set and score the ranking against its labels.

The sets (``--set``, see bench_sets.py) are the fault zoo and the tune/ and frozen/ halves of the report corpus,
each scored apart. Each case in a set's ``cases.yaml`` names the cause that should come first (or ``healthy``).
A faulty case is a hit at k when one of its first k *reported* causes (score at or above the
report's threshold) is the expected cause or one of its acceptable ones; a healthy case is a hit
when the verdict is healthy, and a false alarm otherwise.  The same numbers are written as JSON so
that they can be compared across commits.  Torch-free: targets run through ``expert.diagnose``.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dldoctor.expert.commands.bench_sets import GOALS_BY_SET, SETS, TITLES, chosen, print_summary
from dldoctor.expert.exit_codes import ExitCode
from dldoctor.expert.engine import REPORT_THRESHOLD

HEALTHY = "healthy"
GOALS = GOALS_BY_SET["zoo"]
DEFAULT_ZOO = SETS["zoo"]


@dataclass(frozen=True)
class Case:
    file: str
    expected: str
    acceptable: tuple[str, ...] = ()
    fast: bool = False
    source: str = ""

    @property
    def name(self) -> str:
        return Path(self.file).stem

    @property
    def accepted(self) -> set[str]:
        return {self.expected, *self.acceptable}


@dataclass
class Result:
    case: str
    expected: str
    acceptable: list[str]
    verdict: str | None
    causes: list[dict]  # reported causes (score >= threshold), highest first: {"id", "score"}
    runners_up: list[dict]  # the next causes below the threshold, for reading a miss
    hit_at_1: bool
    hit_at_3: bool
    seconds: float
    error: str = ""
    expected_rank: int | None = None  # rank of the best accepted cause among all ranked causes (1 = first)
    expected_score: float | None = None
    evidence: dict = field(default_factory=dict)  # cause -> symptoms seen present, for the top causes and the expected one
    probes: list[dict] = field(default_factory=list)


def load_cases(zoo: Path) -> list[Case]:
    import yaml

    data = yaml.safe_load((zoo / "cases.yaml").read_text(encoding="utf-8"))
    return [Case(c["file"], c["expected"], tuple(c.get("acceptable") or ()), bool(c.get("fast")), c.get("source", ""))
            for c in data["cases"]]


def select(cases: list[Case], patterns: list[str], fast: bool) -> list[Case]:
    """Cases whose file matches any pattern (a glob, or else a substring), and the fast ones if asked."""
    def matches(case: Case, pat: str) -> bool:
        return fnmatch.fnmatch(case.file, pat) if any(ch in pat for ch in "*?[") else pat in case.file

    chosen = [c for c in cases if not patterns or any(matches(c, p) for p in patterns)]
    return [c for c in chosen if c.fast] if fast else chosen


def score(case: Case, verdict: str | None, ranked: list[tuple[str, float]], threshold: float) -> tuple[bool, bool]:
    """(hit@1, hit@3) for one case, from the report's causes ranked highest first."""
    if case.expected == HEALTHY:
        ok = verdict == HEALTHY
        return ok, ok
    reported = [cid for cid, s in ranked if s >= threshold]
    return bool(reported[:1]) and reported[0] in case.accepted, any(cid in case.accepted for cid in reported[:3])


def run_case(zoo: Path, case: Case, budget: float, seed: int, fail_on: float) -> Result:
    from dldoctor.expert import diagnose
    from dldoctor.expert.problems import KBError

    start = time.perf_counter()
    try:
        report = diagnose(str(zoo / case.file), budget=budget, seed=seed, fail_on=fail_on)
    except KBError:
        raise  # every case would fail: stop and say so
    except Exception as exc:  # an unusable case is a miss that the table shows, not the end of the run
        seconds = time.perf_counter() - start
        hit = False
        return Result(case.name, case.expected, list(case.acceptable), None, [], [], hit, hit, round(seconds, 2),
                      f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    ranked = [(c.id, float(c.score)) for c in report.causes]
    hit1, hit3 = score(case, report.verdict, ranked, report.threshold)
    reported = [{"id": cid, "score": round(s, 3)} for cid, s in ranked if s >= report.threshold]
    below = [{"id": cid, "score": round(s, 3)} for cid, s in ranked if s < report.threshold][:3]
    probes = [{"id": p["id"], "status": p["status"], "seconds": round(float(p.get("seconds") or 0.0), 2)} for p in report.probes]
    rank = next((i for i, (cid, _) in enumerate(ranked, 1) if cid in case.accepted), None)
    shown = {c.id for c in report.causes[:3]} | case.accepted
    evidence = {c.id: [e.symptom for e in c.evidence if e.present] for c in report.causes if c.id in shown}
    return Result(case.name, case.expected, list(case.acceptable), report.verdict, reported, below, hit1, hit3,
                  round(seconds, 2), expected_rank=rank, expected_score=round(ranked[rank - 1][1], 3) if rank else None,
                  evidence=evidence, probes=probes)


def totals(results: list[Result], goals: dict | None = None) -> dict:
    faulty = [r for r in results if r.expected != HEALTHY]
    healthy = [r for r in results if r.expected == HEALTHY]
    times = [r.seconds for r in results]
    out = {
        "cases": len(results), "faulty": len(faulty), "healthy": len(healthy),
        "top1": round(sum(r.hit_at_1 for r in faulty) / len(faulty), 4) if faulty else None,
        "top3": round(sum(r.hit_at_3 for r in faulty) / len(faulty), 4) if faulty else None,
        "false_alarms": sum(not r.hit_at_1 for r in healthy),
        "errors": sum(bool(r.error) for r in results),
        "median_s": round(statistics.median(times), 2) if times else None,
        "max_s": round(max(times), 2) if times else None,
    }
    out["goals"] = dict(goals or GOALS)
    out["goals_met"] = met(out, out["goals"])
    return out


def met(t: dict, goals: dict | None = None) -> bool:
    g = goals or GOALS
    return ((t["top1"] is None or t["top1"] >= g["top1"]) and (t["top3"] is None or t["top3"] >= g["top3"])
            and t["false_alarms"] <= g["false_alarms"] and (t["median_s"] is None or t["median_s"] < g["median_s"]))


def _causes_cell(r: Result) -> str:
    if r.error:
        return f"[red]error: {r.error[:60]}[/]"
    shown = [f"{c['id']} {c['score']:.2f}" for c in r.causes[:3]]
    if not shown:
        shown = [f"[dim]({c['id']} {c['score']:.2f})[/]" for c in r.runners_up[:1]] or ["—"]
    if r.expected != HEALTHY and not r.hit_at_3:
        where = f"#{r.expected_rank} {r.expected_score:.2f}" if r.expected_rank else "not ranked"
        shown.append(f"[yellow]→ expected {where}[/]")
    return "\n".join(shown)


def print_table(results: list[Result], summary: dict, console, title: str = TITLES["zoo"]) -> None:
    from rich.table import Table

    mark = {True: "[green]✓[/]", False: "[red]✗[/]"}
    table = Table(title=f"dldoctor bench — {title}", show_lines=False)
    for col, kw in (("case", {"no_wrap": True}), ("expected", {}), ("ranked causes (score)", {}), ("@1", {"justify": "center"}),
                    ("@3", {"justify": "center"}), ("s", {"justify": "right"})):
        table.add_column(col, **kw)
    for r in results:
        expected = r.expected + (f" [dim](or {', '.join(r.acceptable)})[/]" if r.acceptable else "")
        table.add_row(r.case, expected, _causes_cell(r), mark[r.hit_at_1], mark[r.hit_at_3], f"{r.seconds:.1f}")
    console.print(table)
    pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"
    console.print(
        f"top-1 {pct(summary['top1'])} · top-3 {pct(summary['top3'])} over {summary['faulty']} faulty cases · "
        f"false alarms {summary['false_alarms']}/{summary['healthy']} healthy · "
        f"median {summary['median_s']} s · max {summary['max_s']} s · errors {summary['errors']}")
    g = summary.get("goals") or GOALS
    goals = f"goals: top-1 ≥ {g['top1']:.0%}, top-3 ≥ {g['top3']:.0%}, no false alarm, median < {g['median_s']:.0f} s"
    console.print(f"{goals} — {'[green]met[/]' if summary['goals_met'] else '[red]not met[/]'}")


def _git_commit() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="case_set", choices=[*SETS, "all"], default="zoo",
                   help="which cases: the fault zoo, the report corpus' tune/ or frozen/ half, or all three scored apart (default zoo)")
    p.add_argument("--zoo", type=Path, default=None, metavar="DIR", help="another folder holding cases.yaml (instead of --set)")
    p.add_argument("--cases", action="append", default=[], metavar="PATTERN", help="only cases whose file matches (glob or substring; repeatable)")
    p.add_argument("--fast", action="store_true", help="only the fast subset (what CI runs)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--budget", type=float, default=60.0, metavar="SECONDS", help="diagnosis budget per case (default 60)")
    p.add_argument("--fail-on", type=float, default=REPORT_THRESHOLD, metavar="SCORE", help=f"the diagnosis threshold (default {REPORT_THRESHOLD})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="cases diagnosed at once (default 1; times are honest only with 1)")
    p.add_argument("--check", action="store_true", help="exit 1 when the goals are not met")


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="diagnose the fault zoo or the report corpus and score the ranking (top-1, top-3, false alarms, time)")
    add_arguments(p)
    p.set_defaults(run=run)


def _sets(args) -> list[tuple[str, Path, dict]]:
    """(name, folder, goals) of every set this run scores."""
    if args.zoo is not None:
        return [(args.zoo.name, args.zoo, GOALS_BY_SET.get(args.zoo.name, GOALS))]
    return [(name, SETS[name], GOALS_BY_SET[name]) for name in chosen(args.case_set)]


def run(args) -> int:
    from rich.console import Console

    from dldoctor.expert.problems import KBError

    console = Console() if sys.stdout.isatty() else Console(width=160)  # CI logs: no wrapped columns
    log = Console(stderr=True)
    plan = []
    for name, folder, goals in _sets(args):
        if not (folder / "cases.yaml").is_file():
            print(f"dldoctor bench: no cases.yaml in {folder} (pass --zoo DIR or --set NAME)", file=sys.stderr)
            return ExitCode.UNUSABLE
        cases = select(load_cases(folder), args.cases, args.fast)
        if cases:
            plan.append((name, folder, goals, cases))
    if not plan:
        print(f"dldoctor bench: no case matches {args.cases or ''}{' --fast' if args.fast else ''}", file=sys.stderr)
        return ExitCode.UNUSABLE
    started = time.time()
    sets = {}
    for name, folder, goals, cases in plan:
        try:
            results = _run_all(args, folder, cases, log)
        except KBError as exc:
            print(f"dldoctor bench: invalid knowledge base: {exc.problems[0]}", file=sys.stderr)
            return ExitCode.UNUSABLE
        summary = totals(results, goals)
        print_table(results, summary, console, TITLES.get(name, name))
        sets[name] = {"folder": str(folder), "totals": summary, "cases": [asdict(r) for r in results]}
    if len(sets) > 1:
        print_summary({n: v["totals"] for n, v in sets.items()}, console)
    if args.json:
        doc = {"tool": "dldoctor bench", "commit": _git_commit(), "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
               "wall_s": round(time.time() - started, 1), "python": sys.version.split()[0], "platform": sys.platform,
               "budget_s": args.budget, "fail_on": args.fail_on, "seed": args.seed, "jobs": args.jobs,
               "filter": {"set": args.case_set, "cases": args.cases, "fast": args.fast}, "sets": sets}
        if len(sets) == 1:  # the one-set layout of earlier versions, kept for scripts that read it
            only = next(iter(sets.values()))
            doc["totals"], doc["cases"] = only["totals"], only["cases"]
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    all_met = all(v["totals"]["goals_met"] for v in sets.values())
    return ExitCode.PROBLEMS if args.check and not all_met else ExitCode.HEALTHY


def _run_all(args, folder: Path, cases: list[Case], log) -> list[Result]:
    def note(i: int, r: Result) -> None:
        status = "error" if r.error else ("hit" if r.hit_at_1 else ("top-3" if r.hit_at_3 else "miss"))
        log.print(f"[{i}/{len(cases)}] {r.case}: {status} ({r.seconds:.1f} s)", highlight=False)

    if args.jobs <= 1:
        results = []
        for i, case in enumerate(cases, 1):
            results.append(run_case(folder, case, args.budget, args.seed, args.fail_on))
            note(i, results[-1])
        return results
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_case, folder, c, args.budget, args.seed, args.fail_on) for c in cases]
        results = []
        for i, f in enumerate(futures, 1):
            results.append(f.result())
            note(i, results[-1])
        return results


def main(argv=None) -> int:
    """Entry point without the CLI (benchmarks/bench_zoo.py)."""
    p = argparse.ArgumentParser(prog="bench_zoo", description=__doc__.splitlines()[0])
    add_arguments(p)
    return int(run(p.parse_args(argv)))
