"""Probe `numerics`: First module producing NaN or Inf.

Runs forward and backward (and a few training steps) with hooks that find the first module producing
a NaN or Inf.

How: forward hooks on every module check its output; hooks fire as a module's forward returns, so
the first non-finite one is the innermost module where the value appeared (its parent when the
module was already fed a non-finite input: functional code between modules made it; 'input' when the
batch itself holds one, 'loss' when only the loss does).  In backward, a gradient hook on each module's
output fires in backward order: the first module whose output gradient is non-finite was fed that
gradient by what consumed its output — the next module to finish in forward order (or the loss, for
the model's own output), reported as '<name> (backward)'.  nonfinite_forward/backward describe that
first pass at the given weights; then the training steps (``training.step``: the user's
train_step) on the one-batch run's batch (``probes.one_batch``) count the steps before a non-finite
loss, output or weight.  Those plain steps are overfit-one-batch's run when it ran first in this
worker (the same batch, optimizer and starting state: its first ``STEPS`` losses, read, not retrained -
one run for both keeps the whole diagnosis within its step budget), else up to ``STEPS`` of numerics'
own (also when that run converged in fewer steps); they
run without hooks (the hooks triple the cost of a small model's step) and watch only the
loss, and the weights at the end; when something went non-finite, the weights, gradients, optimizer
state and RNG are put back as they were before the first step (``snapshot.State``) and the same
steps run again with the hooks on, to name the module.  A non-finite value shows at once or within a
few steps when it shows at all (a too-high rate: step 2 in every case of the zoo and the tests);
a loss that breaks only once the model grows confident (log of a saturated sigmoid) takes longer -
16 steps at Adam 3e-2 on one digits batch, 63 at 1e-2, ~1900 at 1e-3 - hence 30 plain steps (cheap:
no hooks; 20 more than before), and probe loss-saturation for the slow ones (it tests the loss at confident outputs
without training).  loss_ratio_before_nonfinite is the last finite loss over the first: below 1 the
model was learning when the value broke (saturation), above 1 the loss was climbing (divergence).  Should the watched steps not repeat the blow-up (a train_step with
state of its own), the unwatched steps' count stands and the module is not named.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='numerics',
    title='First module producing NaN or Inf',
    needs=('model', 'train_data', 'loss_fn'),
    after=('runs', 'overfit-one-batch'),  # its one-batch run's losses serve as the plain steps (probes.one_batch)
    cost_s=1.0,
    doc='Runs forward and backward (and a few training steps) with hooks that find the first module producing a NaN or Inf.',
    findings=(
        Finding('nonfinite_forward', 'bool', 'some module output is NaN or Inf'),
        Finding('nonfinite_backward', 'bool', 'some gradient is NaN or Inf'),
        Finding('first_nonfinite_module', 'text', "the first module (or 'loss') where a non-finite value appeared"),
        Finding('nonfinite_after_steps', 'number', 'training steps before the first non-finite value (0 = at once; None = none seen)'),
        Finding('loss_ratio_before_nonfinite', 'number', 'last finite loss / first loss of the training steps, when a later step went non-finite (below 1: it was learning)'),
    ),
)

STEPS = 30


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import one_batch, snapshot, training

    model = subject.model
    x, y = training.to_device(training.first_batch(subject), training.model_device(model))
    batch = training.to_device(one_batch.batch(subject), training.model_device(model))  # the steps' batch
    order, fwd_bad, bwd_bad = [], [], []  # forward completion order; first non-finite names

    def on_forward(name):
        def hook(mod, args, out):
            order.append(name)
            tensors = _tensors(out)
            if not fwd_bad and any(not _finite(t) for t in tensors):
                fed_bad = any(not _finite(t) for t in _tensors(args))  # then code around it made the value
                fwd_bad.append(_parent(name) if fed_bad else name)
            for t in tensors:
                if t.requires_grad:
                    t.register_hook(lambda g, pos=len(order) - 1: _on_grad(g, pos))
        return hook

    def _on_grad(grad, pos):
        if not bwd_bad and not _finite(grad):
            bwd_bad.append(_consumer(order, pos))

    def hooked():
        return [m.register_forward_hook(on_forward(n or "(model)")) for n, m in model.named_modules()]

    handles = hooked()
    steps, step_where, after, losses, notes, plain_losses, run = 0, None, None, [], [], [], None
    try:
        model.train()
        model.zero_grad(set_to_none=True)
        where = "input" if any(not _finite(t) for t in _tensors(x)) else None
        value = training.forward_loss(subject, x, y)[1]
        fwd = where or (fwd_bad[0] if fwd_bad else None) or (None if training.finite(training.as_float(value)) else "loss")
        if torch.is_tensor(value) and value.requires_grad:
            value.backward()
        bad_param = next((n for n, p in model.named_parameters() if p.grad is not None and not _finite(p.grad)), None)
        bwd = bool(bwd_bad) or bad_param is not None
        bwd_where = bwd_bad[0] if bwd_bad else (f"{bad_param} (backward)" if bad_param else None)
        after = 0 if (fwd or bwd) else None
    finally:
        for h in handles:
            h.remove()
    if after is None:
        optimizer = training.make_optimizer(subject)
        start = snapshot.State(model, optimizer)
        run = _shared_window(one_batch.kept(ctx), training)
        if run is not None:  # overfit-one-batch's run on the same batch: its first STEPS losses, no training here
            plain = plain_losses = run["losses"]
            weights_bad = not run["weights_finite"]
        else:
            plain = plain_losses = _plain_steps(subject, batch, optimizer, ctx)
            weights_bad = any(not _finite(p) for p in model.parameters())
        losses = list(plain)
        if not all(training.finite(v) for v in plain) or weights_bad:
            start.restore()  # weights, gradients, optimizer state and RNG: the same steps again, watched
            handles, losses = hooked(), []
            try:
                while after is None and steps < max(len(plain), 1):
                    order.clear(), fwd_bad.clear()
                    losses.append(training.step(subject, batch, optimizer))
                    steps += 1
                    if fwd_bad or not training.finite(losses[-1]):
                        after, step_where = steps - 1, fwd_bad[0] if fwd_bad else "loss"
                    elif any(not _finite(p) for p in model.parameters()):
                        after, step_where = steps, next(n for n, p in model.named_parameters() if not _finite(p)) + " (weight)"
            finally:
                for h in handles:
                    h.remove()
            if after is None:  # not repeated
                seen = next((i for i, v in enumerate(plain) if not training.finite(v)), len(plain))
                after, notes = seen, notes + ["the watched steps did not repeat the non-finite value; its module is unknown"]
        elif run is None:
            steps = len(losses)
    findings = {
        "nonfinite_forward": fwd is not None,
        "nonfinite_backward": bwd,
        "first_nonfinite_module": fwd or bwd_where or step_where,
        "nonfinite_after_steps": after,
        "loss_ratio_before_nonfinite": _ratio_before(plain_losses),
    }
    details = {"steps_run": steps, "losses": losses, "forward_at": fwd, "backward_at": bwd_where, "during_steps_at": step_where,
               "plain_steps": len(plain_losses), "plain_steps_shared": run is not None}
    return Measurement(findings=findings, details=details, notes=notes)


def _plain_steps(subject, batch, optimizer, ctx) -> list:
    """Up to STEPS training steps without hooks, until the first non-finite loss: their losses."""
    from dldoctor.probes import training

    losses = []
    while len(losses) < STEPS:
        losses.append(training.step(subject, batch, optimizer))
        if not training.finite(losses[-1]):
            break
    return losses


def _shared_window(run, training) -> dict | None:
    """The shared one-batch run cut to numerics' own window of STEPS steps, or None when it cannot stand
    for that window (it ended finite, converged, before STEPS steps: numerics trains its own).  The
    window, not the whole run: a NaN later than STEPS is overfit-one-batch's evidence, and counting the
    same event twice would double its weight."""
    if run is None:
        return None
    losses = run["losses"]
    ended_bad = bool(losses) and not training.finite(losses[-1])
    if len(losses) < STEPS and not ended_bad:
        return None
    window = losses[:STEPS]
    whole = len(window) == len(losses)  # the end weights are the window's own
    return {"losses": window, "weights_finite": run["weights_finite"] or not whole}


def _ratio_before(losses: list):
    """Last finite loss over the first, when the run ended on a non-finite one after 2+ finite steps."""
    import math

    if len(losses) < 3 or math.isfinite(losses[-1]) or not all(math.isfinite(v) for v in losses[:-1]) or losses[0] == 0:
        return None
    return losses[-2] / losses[0]


def _tensors(out) -> list:
    import torch

    if torch.is_tensor(out):
        return [out] if out.is_floating_point() or out.is_complex() else []
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensors(o)]
    return []


def _finite(t) -> bool:
    import torch

    return bool(torch.isfinite(t.detach()).all())


def _parent(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else "(model)"


def _consumer(order: list, pos: int) -> str:
    """Name of the module that consumed the output of ``order[pos]``: the next one to finish that is
    not one of its ancestors; the model's own output was consumed by the loss."""
    name = order[pos]
    if name == "(model)":
        return "loss (backward)"
    for later in order[pos + 1:]:
        if later != "(model)" and not name.startswith(later + "."):
            return f"{later} (backward)"
    return "loss (backward)"
