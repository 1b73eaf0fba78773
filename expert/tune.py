"""`dldoctor tune`, torch-free: start the workers, hand each the search, gather the study's summary.

Every trial runs in a probe worker (``python -m dldoctor.expert.worker``), as the probes do: the
user's objects and files are never touched, and a target that hangs or crashes takes only its worker
down.  ``workers`` processes share one Optuna study through ``storage`` (an Optuna storage URL; with
several workers and no storage, a temporary SQLite file that is removed afterwards).  The first
worker also re-measures the settings as given, the same way as every trial.  The summary is the
one the last worker to finish returns (it has seen every trial of this machine).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

from dldoctor.expert.target import TargetError, split_spec

IDLE_TIMEOUT_S = 600.0  # safety net: a worker that reports nothing for this long (no checkpoint) is stopped


class TuneError(Exception):
    """The tuning could not be started or produced nothing (one line); ``crashed``: because the user's
    code failed when run (evidence for `dldoctor diagnose`, not unusable input)."""

    def __init__(self, message: str, crashed: bool = False):
        super().__init__(message)
        self.crashed = crashed


def default_study(target: str) -> str:
    """A study name from the target as written (the same on every machine that names it the same way)."""
    where, func = split_spec(target)
    stem = Path(where).stem if where.endswith(".py") else where
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"dldoctor-{stem}-{func}")


def check_optuna() -> None:
    if importlib.util.find_spec("optuna") is None:
        raise TuneError("dldoctor tune needs optuna: pip install optuna")


def _prepare_storage(url: str, study: str) -> None:
    """Create the storage's tables and the study once, before the workers race to do it."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kw = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    try:
        storage = optuna.storages.RDBStorage(url, engine_kwargs=kw)
        optuna.create_study(storage=storage, study_name=study, direction="minimize", load_if_exists=True)
    except Exception as exc:  # a bad URL, an unreachable server, a missing driver
        text = str(exc).strip().splitlines()
        raise TuneError(f"--storage {url}: {type(exc).__name__}: {text[0] if text else ''}") from None


def _together(threads: list) -> None:
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.2)  # a short join: Ctrl-C reaches the main thread


def _load_all(runners: list) -> None:
    """Load the target in every worker at once (so that they start searching together); the first
    worker's TargetError is raised."""
    errors: list = [None] * len(runners)

    def load(i: int) -> None:
        try:
            runners[i].load()
        except TargetError as exc:
            errors[i] = exc

    _together([threading.Thread(target=load, args=(i,), daemon=True) for i in range(len(runners))])
    for exc in errors:
        if exc is not None:
            raise exc


def tune(target: str, *, trials: int = 20, steps: int = 300, workers: int = 1, storage: str | None = None,
         study: str | None = None, seed: int = 0, params: list | None = None, on_progress=None,
         idle_timeout_s: float = IDLE_TIMEOUT_S, runners: list | None = None) -> dict:
    """The summary of a search on ``target`` (see probes/tuning/study.py); TargetError for a target that
    cannot be loaded, TuneError for a search that cannot run.  ``on_progress(worker, fraction, message)``.
    ``runners`` (a list, filled as they start) lets the caller cancel them from another thread."""
    from dldoctor.expert.runner import WorkerRunner

    check_optuna()
    study = study or default_study(target)
    tmp = None
    if storage is None and workers > 1:
        tmp = tempfile.mkdtemp(prefix="dldoctor-tune-")
        storage = f"sqlite:///{os.path.join(tmp, 'study.db')}"
    runners = runners if runners is not None else []
    try:
        if storage:
            _prepare_storage(storage, study)
        for _ in range(workers):
            runners.append(WorkerRunner(target, seed=seed))
        _load_all(runners)
        results: list = [None] * workers
        order: list[int] = []

        def config(i: int, confirm: bool) -> dict:
            return {"trials": trials, "steps": steps, "seed": seed, "storage": storage, "study": study, "params": params,
                    "as_given": i == 0 and not (confirm and workers > 1), "worker": i, "confirm": confirm}

        def progress(i: int):
            return lambda f, m: on_progress(i, f, m) if on_progress else None

        def one(i: int) -> None:
            try:
                results[i] = runners[i].tune(config(i, workers == 1), idle_timeout_s, progress(i))
            except TargetError as exc:
                results[i] = {"error": str(exc)}
            order.append(i)

        _together([threading.Thread(target=one, args=(i,), daemon=True) for i in range(workers)])
        final = None
        if workers > 1 and any(r and "error" not in r for r in results):  # the confirmation, once all trials are in
            final = runners[0].tune(config(0, True), idle_timeout_s, progress(0))
    finally:
        for r in runners:
            r.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    errors = [f"worker {i + 1}: {results[i]['error']}" for i in order if results[i] and "error" in results[i]]
    if final is not None and "error" in final:
        errors.append(f"confirmation: {final['error']}")
    good = ([final] if final and "error" not in final else []) + [results[i] for i in reversed(order)
                                                                  if results[i] and "error" not in results[i]]
    if not good:
        crashed = any(r and r.get("crashed") for r in results)
        raise TuneError(errors[0].split(": ", 1)[1] if errors else "no worker came back", crashed=crashed)
    from dldoctor.expert.render.tune import improved

    summary = dict(good[0])
    summary.update(target=target, storage=None if tmp else storage, workers=workers, errors=errors)
    summary["improved"] = improved(summary)  # False: the settings as given did at least as well as the best trial
    return summary

