"""The probe worker: a child process that loads the target and runs probes on request.

The parent (CLI, TUI) never imports torch or the user's code; if the user's code hangs, exhausts
memory or kills its process, only this worker dies and the diagnosis goes on.  Protocol: one JSON
object per line; requests on stdin, replies on a private copy of stdout (the user's own prints are
sent to stderr so they cannot corrupt the protocol).

    -> {"op": "load", "target": SPEC, "seed": 0, "patterns": [[kind, regex]], "memory_budget_mb": null}
    <- {"ok": true, "keys": [...]}  |  {"ok": false, "error": "one line"}
    -> {"op": "probe", "id": "runs", "timeout_s": 20}
    <- {"progress": 0.4, "message": "..."}*   then   {"result": {...probes.run.run_probe dict...}}
"""
from __future__ import annotations

import json
import os
import sys
import time


def _serve(proto) -> None:
    subject = None
    ctx = None

    def send(obj) -> None:
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    for line in sys.stdin:
        req = json.loads(line)
        op = req.get("op")
        if op == "exit":
            return
        if op == "load":
            from expert.target import TargetError, load
            from probes.context import ProbeContext

            try:
                subject = load(req["target"])
            except TargetError as exc:
                send({"ok": False, "error": str(exc)})
                continue
            ctx = ProbeContext(seed=req.get("seed", 0), patterns=[tuple(p) for p in req.get("patterns", [])],
                               memory_budget_mb=req.get("memory_budget_mb"),
                               on_progress=lambda f, m: send({"progress": round(float(f), 3), "message": m}))
            send({"ok": True, "keys": sorted(subject.keys())})
        elif op == "probe":
            from probes.run import run_probe

            ctx.deadline = time.monotonic() + float(req.get("timeout_s", 60))
            send({"result": run_probe(req["id"], subject, ctx)})


def _limit_memory() -> None:
    """Cap the worker's address space (DLDOCTOR_MEMORY_LIMIT_MB) so a runaway allocation fails inside
    the probe, as a MemoryError/RuntimeError, instead of taking the machine down."""
    limit = os.environ.get("DLDOCTOR_MEMORY_LIMIT_MB")
    if not limit:
        return
    try:
        import resource

        cap = int(float(limit) * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass


def main() -> None:
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the user's prints go to stderr
    sys.stdout = sys.stderr
    _limit_memory()
    try:
        _serve(proto)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
