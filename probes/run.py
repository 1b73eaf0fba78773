"""Run one probe in this process: needs checked, seeded, user objects preserved, errors caught.

Returns plain data (it crosses a process boundary as JSON)::

    {"id", "status": ok|skipped|failed, "seconds", "steps", "message", "findings", "confidence", "details", "notes"}

``steps``: the training steps the probe took (``training.step`` / ``default_step`` calls).
"""
from __future__ import annotations

import random
import time
import traceback

from dldoctor.probes import registry
from dldoctor.probes.json_value import plain as _plain


def missing_needs(spec, subject) -> str | None:
    keys = subject.keys()
    missing = [k for k in spec.needs if k not in keys]
    if missing:
        return f"the subject has no {missing[0]}"
    if spec.needs_any and not keys & set(spec.needs_any):
        return "the subject has none of " + ", ".join(spec.needs_any)
    return None


def run_probe(probe_id: str, subject, ctx) -> dict:
    import numpy as np
    import torch

    from dldoctor.probes import training
    from dldoctor.probes.snapshot import preserved

    spec = registry.catalog()[probe_id]
    out = {"id": probe_id, "status": "skipped", "seconds": 0.0, "message": "", "findings": {}, "confidence": {}, "details": {}, "notes": []}
    why = missing_needs(spec, subject)
    if why:
        out["message"] = why
        return out
    t0 = time.perf_counter()
    steps0 = training.steps_taken()
    try:
        with preserved(subject):
            random.seed(ctx.seed)
            np.random.seed(ctx.seed)
            torch.manual_seed(ctx.seed)
            m = registry.module(probe_id).measure(subject, ctx)
        declared = {f.name for f in spec.findings}
        extra = set(m.findings) - declared
        if extra:
            raise RuntimeError(f"probe {probe_id} returned undeclared findings: {sorted(extra)}")
        out.update(status="ok", findings={k: _plain(m.findings.get(k)) for k in sorted(declared)},
                   confidence=m.confidence, details=m.details, notes=list(m.notes))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a probe's failure is reported, never fatal
        out.update(status="failed", message=_one_line(exc))
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["steps"] = training.steps_taken() - steps0
    return out


def _one_line(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" ({tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno})" if tb else ""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}{where}"
