"""The probe worker: a child process that loads the target and runs probes on request.

The parent (CLI, TUI) never imports torch or the user's code; if the user's code hangs, exhausts
memory or kills its process, only this worker dies and the diagnosis goes on.  Protocol: one JSON
object per line on private copies of stdin and stdout; the user's code sees /dev/null as stdin and
stderr as stdout, so neither its prints nor an ``input()`` can corrupt the protocol.

    -> {"op": "load", "target": SPEC, "seed": 0, "patterns": [[kind, regex]], "memory_budget_mb": null}
    <- {"ok": true, "keys": [...], "seconds": 2.1}  |  {"ok": false, "error": "one line"}
    -> {"op": "probe", "id": "runs", "timeout_s": 20}
    <- {"progress": 0.4, "message": "..."}*   then   {"result": {...ProbeResult.to_json()...}}
    -> {"op": "tune", "config": {...}}   (dldoctor tune: see probes/tuning/study.py)
    <- {"progress": ...}*   then   {"result": {...the study's summary...}}

Limits, set here because they must hold inside the user's code: the memory cap
(``DLDOCTOR_MEMORY_LIMIT_MB``, see ``_limit_memory``), torch's thread count (``DLDOCTOR_THREADS``,
default 1: a diagnostic's small models run as fast on one thread, and a loaded machine does not
thrash), no bytecode files written beside the user's sources, the working directory put back after
the target's function and after every probe, and an exit when the parent is gone.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time


def _serve(requests, proto, guard=None) -> None:
    subject = None
    ctx = None
    told = [0]  # how many of the guard's attempted writes were reported already

    def writes() -> list[str]:
        if guard is None or len(guard.attempted) == told[0]:
            return []
        from dldoctor.expert.write_guard import shown

        new, told[0] = guard.attempted[told[0]:], len(guard.attempted)
        return shown(new)

    me = os.getpid()

    def send(obj) -> None:
        if os.getpid() != me:  # a child the user's code forked (a bare os.fork()) never speaks the protocol
            os._exit(0)
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    for line in requests:
        req = json.loads(line)
        op = req.get("op")
        if op == "exit":
            return
        cwd = os.getcwd()
        if op == "load":
            from dldoctor.expert.target import TargetError, load
            from dldoctor.probes.context import ProbeContext

            t0 = time.monotonic()
            try:
                subject = load(req["target"])
            except TargetError as exc:
                send({"ok": False, "error": str(exc)})
                continue
            finally:
                os.chdir(cwd)
            _set_threads()
            ctx = ProbeContext(seed=req.get("seed", 0), patterns=[tuple(p) for p in req.get("patterns", [])],
                               memory_budget_mb=req.get("memory_budget_mb"),
                               on_progress=lambda f, m: send({"progress": round(float(f), 3), "message": m}))
            from dldoctor.probes.facts import of as facts_of

            try:
                facts = facts_of(subject)
            except Exception:  # a model whose modules cannot be listed: every question stays open
                facts = {}
            send({"ok": True, "keys": sorted(subject.keys()), "facts": facts, "seconds": round(time.monotonic() - t0, 3), "writes": writes()})
        elif op == "probe":
            from dldoctor.probes.run import run_probe

            ctx.deadline = time.monotonic() + float(req.get("timeout_s", 60))
            try:
                result = run_probe(req["id"], subject, ctx)
            finally:
                os.chdir(cwd)
            tried = writes()
            if tried:
                result = result.replace(notes=(*result.notes, f"the code tried to write {', '.join(tried[:5])}"
                                               f"{' …' if len(tried) > 5 else ''} — kept in a scratch folder; your files "
                                               "were not touched"))
            send({"result": result.to_json(), "writes": tried})
        elif op == "tune":  # dldoctor tune: the whole search of this worker, progress lines as it goes
            from dldoctor.probes.tuning.study import run as tune

            try:
                result = tune(subject, ctx, req["config"])
            finally:
                os.chdir(cwd)
            send({"result": result})
        elif op == "ping":  # the round trip, measured by benchmarks/bench_isolation.py
            send({"pong": True})


def _set_threads() -> None:
    import torch

    from dldoctor.expert.limits import thread_count

    torch.set_num_threads(thread_count())


def _limit_memory() -> None:
    """Cap the worker's memory at ``DLDOCTOR_MEMORY_LIMIT_MB`` so that a runaway allocation fails inside
    the probe (MemoryError, or torch's "can't allocate memory") instead of taking the machine down.

    RLIMIT_DATA (Linux >= 4.7 counts every private writable mapping: the heap, malloc's and torch's
    mmaps, thread stacks) rather than RLIMIT_AS: it is close to the memory really used, while the
    address space also counts shared libraries and reservations (torch alone maps ~600 MB; a GPU
    driver reserves far more, which RLIMIT_AS would turn into a failed CUDA start).  Platforms
    without it (macOS does not enforce either) run uncapped."""
    limit = os.environ.get("DLDOCTOR_MEMORY_LIMIT_MB")
    if not limit:
        return
    try:
        import resource

        cap = int(float(limit) * 2**20)
        which = getattr(resource, "RLIMIT_DATA", None) or resource.RLIMIT_AS
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(which, (cap, hard))
    except (ImportError, ValueError, OSError):
        pass


def _guard_writes():
    """From here on, the user's writes outside the scratch folder (``DLDOCTOR_SCRATCH``, made and removed
    by the parent) land in it (``expert.write_guard``); the whole worker is the sandbox.  torch is
    imported first so that its own file writer (``torch.save``) is redirected too."""
    scratch = os.environ.get("DLDOCTOR_SCRATCH")
    if not scratch:
        return None
    try:
        import torch  # noqa: F401  (every target imports it; torch.save's writer must exist to be guarded)
    except ImportError:
        pass
    import tempfile

    from dldoctor.expert.write_guard import WriteGuard

    tmp = os.path.join(scratch, "tmp")
    os.makedirs(tmp, exist_ok=True)
    os.environ["TMPDIR"] = tmp  # the user's temporary files too
    tempfile.tempdir = None
    return WriteGuard(scratch).__enter__()


def _exit_with_parent() -> None:
    """A daemon thread that ends the worker when its parent dies (even mid-probe, in the user's loop):
    an orphaned worker must never outlive the diagnosis that started it."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, name="dldoctor-parent-watch", daemon=True).start()


def main() -> None:
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # the user's code reads nothing from the protocol
    os.close(null)
    os.dup2(2, 1)  # the user's prints go to stderr
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True  # never a __pycache__ beside the user's files
    _limit_memory()
    _exit_with_parent()
    guard = _guard_writes()
    try:
        _serve(requests, proto, guard)
    except (KeyboardInterrupt, BrokenPipeError):
        pass


if __name__ == "__main__":
    main()
