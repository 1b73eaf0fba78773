"""Probe `train-step-audit`: Audit of the user's training step.

Calls the user's train_step a few times on one batch and watches it: gradients that accumulate
between calls, the model in eval mode during the step, weights that do not change, a loss that
rises.

How: the model stays in the mode it was handed over in (a model left in eval mode by an earlier
evaluation and a step that never calls ``model.train()`` is exactly the fault), and gradients are
cleared.
Every call is seeded the same way, so dropout draws the same masks and two calls on one batch at the
same weights give the same gradient.
1. Learning rate 0 in every param group (weights stay put; weight decay scales by 1 - 0*wd), two
   calls; a step pre-hook on the optimizer instance records the total gradient norm whenever the
   step calls ``optimizer.step()``.  Second norm / first is 2 when the step never clears gradients,
   1 when it does.  (A step that clips gradients to a norm smaller than theirs reads 1 either way.)
2. Optimizer state and learning rates put back, then ``CALLS`` calls with the real learning rate:
   did any parameter change, did the returned loss rise from the first call to the last.
Forward pre-hooks on dropout and batch-norm layers record whether they ran in eval mode in any call,
counting only forwards with gradients enabled: a step may evaluate a metric in eval mode under
``no_grad`` and still train in train mode.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='train-step-audit',
    title="Audit of the user's training step",
    needs=('model', 'train_data', 'loss_fn', 'train_step'),
    cost_s=0.8,
    doc="Calls the user's train_step a few times on one batch and watches it: gradients that accumulate between calls, the model in eval mode during the step, weights that do not change, a loss that rises.",
    findings=(
        Finding('grad_accumulation_ratio', 'number', 'gradient norm seen at the second optimizer step / at the first, with the learning rate at 0 (about 2 when zero_grad is missing, 1 when healthy)'),
        Finding('eval_mode_in_step', 'bool', 'dropout or batch-norm layers ran in eval mode inside train_step'),
        Finding('optimizer_step_called', 'bool', 'train_step called optimizer.step()'),
        Finding('weights_changed', 'bool', 'the weights changed over the steps'),
        Finding('loss_rise', 'number', '(last - first) / |first| of the loss train_step returned on the same batch (1e6 when the last is NaN/Inf)'),
    ),
)

CALLS = 5  # calls with the real learning rate


def measure(subject, ctx) -> Measurement:
    import copy

    import torch

    from dldoctor.probes import training

    model = subject.model
    batch = training.to_device(training.first_batch(subject), training.model_device(model))
    optimizer = training.make_optimizer(subject)
    norms, modes = [], []
    handles = [optimizer.register_step_pre_hook(lambda opt, args, kwargs: norms.append(_grad_norm(opt)))]
    mode_layers = (torch.nn.modules.dropout._DropoutNd, torch.nn.modules.batchnorm._BatchNorm)
    for m in model.modules():
        if isinstance(m, mode_layers):
            handles.append(m.register_forward_pre_hook(lambda mod, args: modes.append(mod.training) if torch.is_grad_enabled() else None))

    def call() -> float:
        torch.manual_seed(ctx.seed)
        return training.step(subject, batch, optimizer)

    try:
        model.zero_grad(set_to_none=True)
        saved_state = copy.deepcopy(optimizer.state_dict())
        lrs = [g["lr"] for g in optimizer.param_groups]
        for g in optimizer.param_groups:
            g["lr"] = torch.zeros_like(g["lr"]) if torch.is_tensor(g["lr"]) else 0.0
        try:
            call(), call()
        finally:
            for g, lr in zip(optimizer.param_groups, lrs):
                g["lr"] = lr
        zero_lr_norms = list(norms)
        optimizer.load_state_dict(saved_state)
        model.zero_grad(set_to_none=True)
        before = [p.detach().clone() for p in model.parameters()]
        losses = [call() for _ in range(CALLS)]
        changed = any(not torch.equal(b, p.detach()) for b, p in zip(before, model.parameters()))
    finally:
        for h in handles:
            h.remove()

    ratio = None
    if len(zero_lr_norms) >= 2 and zero_lr_norms[0] > 0:
        ratio = zero_lr_norms[1] / zero_lr_norms[0]
    first, last = losses[0], losses[-1]
    rises = None
    if training.finite(first):
        from dldoctor.probes.curve import BIG, quotient

        rises = BIG if not training.finite(last) else quotient(last - first, abs(first))
    notes = []
    if not modes:
        notes.append("no dropout or batch-norm layer ran: eval mode cannot be seen")
    if not norms:
        notes.append("optimizer.step() was never called on the optimizer passed to train_step")
    findings = {
        "grad_accumulation_ratio": ratio,
        "eval_mode_in_step": (not all(modes)) if modes else None,
        "optimizer_step_called": bool(norms),
        "weights_changed": changed,
        "loss_rise": rises,
    }
    details = {"zero_lr_grad_norms": zero_lr_norms, "losses": losses, "layer_modes": modes[:64]}
    return Measurement(findings=findings, details=details, notes=notes)


def _grad_norm(optimizer) -> float:
    total = 0.0
    for g in optimizer.param_groups:
        for p in g["params"]:
            if p.grad is not None:
                total += float(p.grad.detach().double().pow(2).sum())
    return total ** 0.5
