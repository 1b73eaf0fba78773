"""One shared training run: the subject's model trained for a fixed number of steps, once per worker.

Probes that need a trained model (bias-variance today; any probe that compares a trained model's
errors) call ``trained(subject, ctx)``: the first call trains the user's model in place (inside the
caller's ``snapshot.preserved``, which puts it back) with the subject's own optimizer and
train_step, from the probe's seed, for at most ``EPOCHS`` epochs or ``STEPS`` steps, whichever
comes first, keeps a copy of the trained model in ``ctx.cache`` and returns it; later calls return
the same copy and train nothing.  The run is bounded in steps, never in seconds, so the same subject
gives the same model on any machine, however busy (the worker's time limit stays a safety net that
fails the probe).  Only the probe that trained counts the steps.

Why 30 epochs or 200 steps: a small data set (a few hundred rows) is seen ~20-30 times, enough to
show over-fitting where there is some (a model fitting 150 rows reaches its floor in ~15 epochs); a
larger one gets 200 steps of the user's optimizer (9 epochs of the digits at batch 64), what a
digits MLP needs to pass 90 % validation accuracy with Adam 1e-3 and a regression MLP on 1,000 rows
(batch 32) to bring avoidable bias and variance to ~0.06 of the target variance, well under the KB's
0.1 (at 150 steps they read 0.13 and 0.10: false alarms).  The errors of a short run are upper
bounds, so avoidable bias is too.  200, not the 510-870 steps a 5-second limit gave: the whole
diagnosis of the digits MLP takes ~400 training steps (Lightning's lr_find alone takes 100).
"""
from __future__ import annotations

import math

EPOCHS = 30
STEPS = 200
KEY = "trained.model"


def trained(subject, ctx):
    """(a trained copy of the subject's model, the run: steps, epochs, stopped_by)."""
    import copy

    from dldoctor.probes import training
    from dldoctor.probes.dataset import reiterable

    cached = ctx.cache.get(KEY)
    if cached is not None:
        return cached
    if not reiterable(subject.train_data):
        raise RuntimeError("train_data is a one-shot iterator: it cannot be read for several epochs")
    model, opt = subject.model, training.make_optimizer(subject)
    steps, epochs, stopped_by = 0, 0, "epochs"
    model.train()
    while epochs < EPOCHS and stopped_by == "epochs":
        for batch in training.batches(subject.train_data):
            loss = training.step(subject, batch, opt)
            steps += 1
            if not math.isfinite(loss):
                stopped_by = "non-finite loss"
            elif steps >= STEPS:
                stopped_by = "steps"
            if stopped_by != "epochs":
                break
        epochs += 1
        ctx.progress(min(1.0, max(epochs / EPOCHS, steps / STEPS)), "training")
    run = {"steps": steps, "epochs": epochs, "stopped_by": stopped_by}
    ctx.cache[KEY] = (copy.deepcopy(model), run)
    return ctx.cache[KEY]
