"""The one-batch training run, shared: overfit-one-batch trains on it, numerics reads its losses.

Both probes train the subject's model on the same first batch (at most ``MAX_SAMPLES`` rows) with
``make_optimizer(subject)`` from the same restored state, so the run one of them made is the run
the other would make: overfit-one-batch keeps its losses here (``keep``), and numerics, declared
after it, reads them (``kept``) instead of training again - the losses up to the first non-finite
one, and whether the weights were still finite at the end.  Run alone (the app, ``--probes``),
numerics trains its own steps.  One run instead of two is what keeps the whole diagnosis under its
step budget (issue 16: ~400 steps, Lightning's lr_find alone takes 100).
"""
from __future__ import annotations

MAX_SAMPLES = 64
KEY = "one-batch.run"


def batch(subject):
    """The first batch of train_data, cut to MAX_SAMPLES rows."""
    from dldoctor.probes import training

    return training.first_batch(subject).head(MAX_SAMPLES)


def keep(ctx, losses: list, weights_finite: bool) -> None:
    """Record a finished one-batch run: its losses (floats, NaN/Inf kept) and the end weights' state."""
    ctx.cache[KEY] = {"losses": [float(v) for v in losses], "weights_finite": bool(weights_finite)}


def kept(ctx) -> dict | None:
    """The recorded run, or None when no one-batch run was made in this worker."""
    return ctx.cache.get(KEY)
