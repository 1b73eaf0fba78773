"""Run one probe in this process: needs checked, seeded, user objects preserved, errors caught.

Returns a ``ProbeResult`` (probes/result.py); ``steps`` counts every optimizer step taken while the
probe ran (a global optimizer step hook: the probe's own loops and the user's train_step alike).
"""
from __future__ import annotations

import random
import time
import traceback

from dldoctor.probes import registry
from dldoctor.probes.json_value import plain as _plain
from dldoctor.probes.result import ProbeResult


def missing_needs(spec, subject) -> str | None:
    keys = subject.keys()
    missing = [k for k in spec.needs if k not in keys]
    if missing:
        return f"the subject has no {missing[0]}"
    if spec.needs_any and not keys & set(spec.needs_any):
        return "the subject has none of " + ", ".join(spec.needs_any)
    return None


def run_probe(probe_id: str, subject, ctx) -> ProbeResult:
    import numpy as np
    import torch

    from torch.optim.optimizer import register_optimizer_step_post_hook

    from dldoctor.probes.snapshot import preserved

    spec = registry.catalog()[probe_id]
    why = missing_needs(spec, subject)
    if why:
        return ProbeResult.skipped(probe_id, why)
    steps = [0]
    hook = register_optimizer_step_post_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))
    t0 = time.perf_counter()
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
        return ProbeResult(probe_id, "ok", round(time.perf_counter() - t0, 3), "",
                           {k: _plain(m.findings.get(k)) for k in sorted(declared)}, dict(m.confidence), dict(m.details),
                           tuple(m.notes), steps[0])
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a probe's failure is reported, never fatal
        return ProbeResult.failed(probe_id, _one_line(exc), time.perf_counter() - t0, steps=steps[0])
    finally:
        hook.remove()


def _one_line(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" ({tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno})" if tb else ""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}{where}"
