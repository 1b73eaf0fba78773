"""The one diagnosis entry point shared by the CLI, the TUI and users' own test suites.

``diagnose(target_or_subject)`` loads the KB, runs the probes the engine asks for (targets in a worker
process, live subjects in this one, restored afterwards), folds in answers and a watch record, and
returns a ``Report``.
"""
from __future__ import annotations

from pathlib import Path

from dldoctor.expert import engine
from dldoctor.expert.knowledge import load_kb
from dldoctor.expert.problems import did_you_mean
from dldoctor.expert.report import Report, build
from dldoctor.expert.runner import InProcessRunner, WorkerRunner
from dldoctor.expert.session import Diagnosis, run_headless
from dldoctor.expert.target import TargetError
from dldoctor.probes.result import ProbeResult
from dldoctor.expert.engine import REPORT_THRESHOLD


def read_answers(path: str, kb) -> dict[str, engine.Observation]:
    """A YAML mapping symptom -> yes / no / unknown (or {answer: yes, confidence: 0.8})."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetError(f"{path}: cannot read answers: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TargetError(f"{path}: answers file is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TargetError(f"{path}:{mark.line + 1 if mark else 0}: answers file is not valid YAML") from None
    if not isinstance(data, dict):
        raise TargetError(f"{path}: answers must be a mapping of symptom id to yes/no/unknown")
    out = {}
    for sid, value in data.items():
        if sid not in kb.symptoms:
            raise TargetError(f"{path} {sid}: unknown symptom{did_you_mean(sid, kb.symptoms)}")
        conf = 1.0
        if isinstance(value, dict):
            conf = float(value.get("confidence", 1.0))
            value = value.get("answer")
        if str(value).lower() not in ("yes", "no", "unknown", "true", "false", "none", "y", "n"):
            raise TargetError(f"{path} {sid}: answer must be yes, no or unknown, got {value!r}")
        out[sid] = engine.answer(sid, value, conf)
    return out


def record_result(path: str) -> ProbeResult:
    """Findings of a watch record, as the result of the probe that reads records (the external one)."""
    from dldoctor.probes.record import measure_file

    try:
        m = measure_file(path)
    except (OSError, ValueError) as exc:
        raise TargetError(f"{path}: {exc}") from None
    from dldoctor.probes.registry import catalog

    pid = next(p for p, spec in catalog().items() if spec.external)
    return ProbeResult(pid, "ok", findings=m.findings, confidence=m.confidence, details=m.details, notes=tuple(m.notes))


def _select(kb, probes, skip) -> set[str] | None:
    for pid in [*(probes or ()), *skip]:
        if pid not in kb.probes:
            raise TargetError(f"--probes {pid}: no such probe{did_you_mean(pid, kb.probes)}")
    if probes is None and not skip:
        return None
    return set(probes if probes is not None else kb.probes) - set(skip)


def diagnose(target=None, *, budget: float = 120.0, seed: int = 0, fail_on: float = REPORT_THRESHOLD, kb_dirs=(), answers: str | None = None,
             record: str | None = None, memory_budget_mb: float | None = None, probe_timeout: float = 60.0,
             use_cache: bool = True, on_event=None, kb=None, probes=None, skip_probes=(),
             memory_limit_mb="default") -> Report:
    """Diagnose a target spec (``file.py[:fn]``, ``module:fn``), a Subject or a subject dict.

    probes / skip_probes: run only these probe ids / never these.
    Raises TargetError (unusable target, answers or probe names) and KBError (invalid knowledge base).
    memory_limit_mb: the cap on a target's worker process (default: half the machine's memory, at most 16 GiB).
    """
    kb = kb or load_kb(kb_dirs, use_cache=use_cache)
    selected = _select(kb, probes, skip_probes)
    patterns = [(p.kind, p.regex) for p in kb.patterns]
    runner = None
    if target is None:
        meta_target = None
    elif isinstance(target, (str, Path)):
        runner = WorkerRunner(str(target), seed=seed, patterns=patterns, memory_budget_mb=memory_budget_mb,
                              memory_limit_mb=memory_limit_mb)
        meta_target = str(target)
    else:
        from dldoctor.expert.target import to_subject

        runner = InProcessRunner(to_subject(target, "subject"), seed=seed, patterns=patterns, memory_budget_mb=memory_budget_mb)
        meta_target = "<subject>"
    diag = Diagnosis(kb, threshold=fail_on, selected=selected)
    try:
        if answers:
            for sid, obs in read_answers(answers, kb).items():
                diag.answers[sid] = obs
                diag.observations[sid] = obs
        if record:
            diag.add_probe_result(record_result(record))
        if runner is not None:
            diag.keys = set(runner.load())
            run_headless(diag, runner, budget_s=budget, probe_timeout_s=probe_timeout, on_event=on_event)
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C: the worker is stopped, the user's objects were restored; report what was found
    else:
        interrupted = False
    finally:
        if runner is not None:
            runner.close()
    meta = {"target": meta_target, "seed": seed, "budget_s": budget, "record": record, "kb": [str(d) for d in kb_dirs]}
    if interrupted:
        meta["interrupted"] = True
    return build(diag, meta)
