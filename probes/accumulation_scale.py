"""Probe `accumulation-scale`: Does a step that accumulates gradients average them?

Gradient accumulation calls backward on k micro-batches and steps the optimizer once.  Each
micro-batch's loss must be divided by k, so that the step sees the mean gradient; without the
division it sees the sum, k times the gradient of one batch, and plain SGD takes a k times larger
step (Adam normalizes the gradient and barely notices).  Unlike a missing zero_grad, the gradient
is cleared every k calls: it grows within a cycle, never across cycles.

How (the user's train_step, the subject's optimizer, the first batch):
1. Reference: one default step (zero_grad, forward, loss, backward, step) from the current
   weights: its gradient norm and the norm of the weight change.
2. Weights and optimizer state put back; the user's train_step is called on the same batch (the
   RNG seeded the same way before each call) until it calls ``optimizer.step()`` - at most
   ``MAX_CALLS`` calls.  That first step may close a cycle already under way (the step's counter is
   the user's own), so the weights, gradients and optimizer state are put back once more, gradients
   cleared, and the calls go on until the next step: ``calls_per_step`` calls, a whole cycle.
3. At that step (a step pre-hook on the optimizer) the gradient norm, and after it the weight
   change, over the reference's: ``accumulated_grad_ratio`` and ``accumulated_update_ratio``.  Both
   are about k when the loss is not divided, 1 when it is; the update ratio is what the fault
   changes for the user's optimizer (about 1 under Adam either way).
The ratios are None when the step does not accumulate (``calls_per_step`` = 1: a plain step, for
which the other probes speak) or never steps within the calls.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='accumulation-scale',
    title='Gradient accumulation scale',
    needs=('model', 'train_data', 'loss_fn', 'train_step'),
    cost_s=0.6,
    doc="Calls the user's train_step until it steps the optimizer and compares that step's gradient and update with one plain step on the same batch: gradients accumulated over k micro-batches without dividing the loss make both k times larger.",
    findings=(
        Finding('calls_per_step', 'number', 'train_step calls between two optimizer steps (the accumulation count k; 1 for a plain step)'),
        Finding('accumulated_grad_ratio', 'number', "gradient norm at the user's accumulated step / at one plain step on the same batch (k when the loss is not divided by k, 1 when it is)"),
        Finding('accumulated_update_ratio', 'number', "weight change of the user's accumulated step / of one plain step (k under SGD when the loss is not divided; about 1 under Adam)"),
    ),
)

MAX_CALLS = 16


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import snapshot, training

    model = subject.model
    batch = training.to_device(training.first_batch(subject), training.model_device(model))
    optimizer = training.make_optimizer(subject)
    none = dict.fromkeys(f.name for f in SPEC.findings)
    model.zero_grad(set_to_none=True)
    start = snapshot.State(model, optimizer)
    params = [p for p in model.parameters() if p.requires_grad]

    def weights():
        return [p.detach().clone() for p in params]

    def change(before):
        return sum(float((p.detach() - b).double().pow(2).sum()) for p, b in zip(params, before)) ** 0.5

    torch.manual_seed(ctx.seed)
    before = weights()
    try:
        training.default_step(model, batch, optimizer, subject.loss_fn, subject)
    except Exception as exc:  # a step that prepares the batch itself: no plain step to compare with
        start.restore()
        return Measurement(findings=none, notes=[f"one plain step on the batch failed ({type(exc).__name__}): no reference"])
    ref_grad, ref_update = _grad_norm(params), change(before)
    start.restore()
    seen = []
    if _calls_until_step(subject, batch, optimizer, seen, ctx, training, params) is None:
        return Measurement(findings=none, notes=[f"train_step did not call optimizer.step() in {MAX_CALLS} calls"])
    start.restore()  # the first step closed whatever cycle was under way: a whole one now (restore drops the hook)
    model.zero_grad(set_to_none=True)
    seen.clear()
    before = weights()
    calls = _calls_until_step(subject, batch, optimizer, seen, ctx, training, params)
    update = change(before)
    if calls is None:
        return Measurement(findings=none, notes=[f"train_step did not call optimizer.step() again in {MAX_CALLS} calls"])
    findings = dict(none, calls_per_step=calls)
    notes = []
    if calls == 1:
        notes.append("train_step steps the optimizer at every call: no accumulation")
    elif ref_grad > 0 and ref_update > 0:
        findings.update(accumulated_grad_ratio=seen[0] / ref_grad, accumulated_update_ratio=update / ref_update)
    else:
        notes.append("one plain step on this batch changed nothing: no reference to compare with")
    details = {"reference_grad_norm": ref_grad, "reference_update_norm": ref_update, "step_grad_norm": seen[0] if seen else None,
               "step_update_norm": update}
    return Measurement(findings=findings, details=details, notes=notes)


def _calls_until_step(subject, batch, optimizer, seen, ctx, training, params) -> int | None:
    """Calls of train_step until it steps the optimizer (a step pre-hook notes the gradient norm)."""
    import torch

    handle = optimizer.register_step_pre_hook(lambda opt, args, kwargs: seen.append(_grad_norm(params)))
    try:
        for call in range(1, MAX_CALLS + 1):
            torch.manual_seed(ctx.seed)
            training.step(subject, batch, optimizer)
            if seen:
                return call
    finally:
        handle.remove()
    return None


def _grad_norm(params) -> float:
    return sum(float(p.grad.detach().double().pow(2).sum()) for p in params if p.grad is not None) ** 0.5
