"""The one diagnosis entry point shared by the CLI, the TUI and users' own test suites.

``diagnose(target_or_subject)`` loads the KB, runs the probes the engine asks for (targets in a worker
process, live subjects in this one, restored afterwards), folds in answers and a watch record, and
returns a ``Report``.
"""
from __future__ import annotations

import math
from pathlib import Path

from dldoctor.expert import engine
from dldoctor.expert.knowledge import load_kb
from dldoctor.expert.problems import did_you_mean
from dldoctor.expert.report import Report, build
from dldoctor.expert.in_process import InProcessRunner
from dldoctor.expert.runner import WorkerRunner
from dldoctor.expert.session import Diagnosis, run_headless
from dldoctor.expert.target import WORLD_SIZE_ENV, TargetError
from dldoctor.probes.result import ProbeResult
from dldoctor.expert.engine import REPORT_THRESHOLD


def read_answers(path: str, kb) -> dict[str, engine.Observation]:
    """A YAML mapping symptom -> yes / no / unknown (or {answer: yes, confidence: 0.8}).

    Read like a KB file (``expert.yaml_source``): no aliases (an alias bomb), no tags, no deep nesting,
    at most its size limit; every problem is one line naming the file, the line and the symptom."""
    from dldoctor.expert.yaml_source import read

    src, problems = read(Path(path), str(path), what="an answers file")
    if problems and problems[0].message == "file is empty":
        return {}
    if problems:
        raise TargetError(f"answers: {problems[0]}")
    data = src.data if src.data is not None else {}
    if not isinstance(data, dict):
        raise TargetError(f"{path}: answers must be a mapping of symptom id to yes/no/unknown")
    out = {}
    for sid, value in data.items():
        where = f"{path}:{src.line((sid,))} {sid}"
        if sid not in kb.symptoms:
            raise TargetError(f"{where}: unknown symptom{did_you_mean(sid, kb.symptoms)}")
        conf = 1.0
        if isinstance(value, dict):
            conf = value.get("confidence", 1.0)
            if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0.0 <= conf <= 1.0:
                raise TargetError(f"{where}: confidence must be a number between 0 and 1, got {conf!r}")
            value = value.get("answer")
        if isinstance(value, (dict, list)) or str(value).lower() not in ("yes", "no", "unknown", "true", "false", "none", "y", "n"):
            raise TargetError(f"{where}: answer must be yes, no or unknown, got {str(value)[:60]!r}")
        out[sid] = engine.answer(sid, value, float(conf))
    return out


def record_result(path: str) -> ProbeResult:
    """Findings of a watch record, as the result of the probe that reads records (the external one)."""
    from dldoctor.probes.record import measure_file

    try:
        m = measure_file(path)
    except (OSError, ValueError) as exc:
        raise TargetError(f"{path}: {exc}") from None
    return _result(_external_probe(), m)


def record_results(path: str, world_size: int | None = None, baseline: str | None = None) -> list[ProbeResult]:
    """Probe results of ``--record``: one record (the external probe's), or the rank files of a distributed
    run (run.jsonl -> run.rank*.jsonl, or a glob), merged: rank 0's curves and the ranks compared
    (probe ``distributed``, probes/record_ranks.py)."""
    from dldoctor.probes import distributed, record_ranks

    try:
        files = record_ranks.find(path)
        if files is None:
            if baseline is not None:
                raise TargetError(f"--baseline {baseline}: a baseline is compared with a distributed run's records, and {path} is a single-process record")
            return [record_result(path)]
        single, ranks = record_ranks.measure_run(files, world_size, baseline)
    except (OSError, ValueError) as exc:
        raise TargetError(f"{path}: {exc}") from None
    return [_result(_external_probe(), single), _result(distributed.SPEC.id, ranks)]


def _external_probe() -> str:
    from dldoctor.probes.registry import catalog

    return next(p for p, spec in catalog().items() if spec.external)


def _result(pid: str, m) -> ProbeResult:
    return ProbeResult(pid, "ok", findings=m.findings, confidence=m.confidence, details=m.details, notes=tuple(m.notes))


def _select(kb, probes, skip) -> set[str] | None:
    for pid in [*(probes or ()), *skip]:
        if pid not in kb.probes:
            raise TargetError(f"--probes {pid}: no such probe{did_you_mean(pid, kb.probes)}")
    if probes is None and not skip:
        return None
    return set(probes if probes is not None else kb.probes) - set(skip)


LOAD_TIMEOUT_S = 120.0  # importing the target and calling its function: at most this, and at most the budget,
LOAD_FLOOR_S = 30.0  # but never less than this (importing torch alone takes seconds on a busy machine)


def _check_numbers(*, budget, probe_timeout, fail_on, seed, memory_budget_mb) -> None:
    """ValueError (one line) for a number that would silently disable a limit or the verdict."""
    def finite(x) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    for name, value in (("budget", budget), ("probe_timeout", probe_timeout), ("memory_budget_mb", memory_budget_mb)):
        if value is not None and not (finite(value) and value > 0):
            raise ValueError(f"{name} must be a finite positive number of {'MB' if name.endswith('mb') else 'seconds'}, got {value!r}")
    if not (finite(fail_on) and 0 < fail_on <= 1):
        raise ValueError(f"fail_on must be in (0, 1], got {fail_on!r}")
    if not (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**32):
        raise ValueError(f"seed must be an integer between 0 and {2**32 - 1}, got {seed!r}")


def diagnose(target=None, *, budget: float = 120.0, seed: int = 0, fail_on: float = REPORT_THRESHOLD, kb_dirs=(), answers: str | None = None,
             record: str | None = None, memory_budget_mb: float | None = None, probe_timeout: float = 60.0,
             use_cache: bool = True, on_event=None, kb=None, probes=None, skip_probes=(),
             memory_limit_mb="default", world_size: int | None = None, baseline: str | None = None) -> Report:
    """Diagnose a target spec (``file.py[:fn]``, ``module:fn``), a Subject or a subject dict.

    probes / skip_probes: run only these probe ids / never these.
    Raises TargetError (unusable target, answers or probe names) and KBError (invalid knowledge base).
    memory_limit_mb: the cap on a target's worker process (default: half the machine's memory, at most 16 GiB).
    world_size: the target is also trained on this many ranks (probe distributed), as its subject's
      ``"distributed": {"world_size": N}`` would ask; with ``record``: the ranks the run had.
    baseline: a single-process watch record to compare a distributed ``record`` with.
    """
    _check_numbers(budget=budget, probe_timeout=probe_timeout, fail_on=fail_on, seed=seed, memory_budget_mb=memory_budget_mb)
    kb = kb or load_kb(kb_dirs, use_cache=use_cache)
    selected = _select(kb, probes, skip_probes)
    patterns = [(p.kind, p.regex) for p in kb.patterns]
    runner = None
    if target is None:
        meta_target = None
    elif isinstance(target, (str, Path)):
        runner = WorkerRunner(str(target), seed=seed, patterns=patterns, memory_budget_mb=memory_budget_mb,
                              memory_limit_mb=memory_limit_mb, load_timeout_s=min(LOAD_TIMEOUT_S, max(budget, LOAD_FLOOR_S)))
        if world_size is not None:
            runner.env[WORLD_SIZE_ENV] = str(world_size)
        meta_target = str(target)
    else:
        from dldoctor.expert.target import check_distributed, to_subject

        subject = to_subject(target, "subject")
        if world_size is not None:
            subject.distributed = {**(subject.distributed or {}), "world_size": world_size}
            check_distributed(subject.distributed, "--world-size")
        runner = InProcessRunner(subject, seed=seed, patterns=patterns, memory_budget_mb=memory_budget_mb)
        meta_target = "<subject>"
    diag = Diagnosis(kb, threshold=fail_on, selected=selected)
    try:
        if answers:
            for sid, obs in read_answers(answers, kb).items():
                diag.answers[sid] = obs
                diag.observations[sid] = obs
        if baseline and not record:
            raise TargetError(f"--baseline {baseline}: give the distributed run's --record to compare it with")
        if record:
            for result in record_results(record, world_size, baseline):
                diag.add_probe_result(result)
        if runner is not None:
            diag.keys = set(runner.load())
            diag.facts = dict(getattr(runner, "facts", {}) or {})
            run_headless(diag, runner, budget_s=budget, probe_timeout_s=probe_timeout, on_event=on_event)
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C: the worker is stopped, the user's objects were restored; report what was found
    else:
        interrupted = False
    finally:
        if runner is not None:
            runner.close()
    meta = {"target": meta_target, "seed": seed, "budget_s": budget, "record": record, "kb": [str(d) for d in kb_dirs]}
    if world_size is not None or baseline is not None:
        meta.update(world_size=world_size, baseline=baseline)
    if interrupted:
        meta["interrupted"] = True
    tried = list(getattr(runner, "writes", []))
    if tried:
        meta["writes"] = sorted(set(tried))  # files the target's code tried to write: kept in a scratch folder
    return build(diag, meta)
