"""Probe `grad-flow`: Gradient flow after one backward.

After one backward pass: parameters without a gradient (frozen, detached, unused), parameters
missing from the optimizer, per-layer gradient norms from first to last layer, and the update-to-
weight ratio after one optimizer step.

One forward/loss/backward runs on the first training batch with the model's real parameters in
train mode (gradients cleared first; ``run_probe`` restores them), then ONE step of the optimizer
``training.make_optimizer`` gives (the user's instance, restored afterwards).  A "layer" is a module
that owns parameters directly, in registration order; "weight layers" are those with a parameter of
two or more dimensions (Linear, Conv, Embedding, custom matrices).  The per-element gradient of a
weight is the RMS over the rows (output units, embedding rows) that received some gradient, so
embeddings whose batch touches few rows are not read as vanishing.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, Plot, ProbeSpec

SPEC = ProbeSpec(
    id='grad-flow',
    title='Gradient flow after one backward',
    needs=('model', 'train_data', 'loss_fn'),
    plots=(Plot('layers', 'Gradient norm per layer', y='layers', value='grad_norm', xlabel='layer', ylabel='log10 norm'),),
    cost_s=0.4,
    doc='After one backward pass: parameters without a gradient (frozen, detached, unused), parameters missing from the optimizer, per-layer gradient norms from first to last layer, and the update-to-weight ratio after one optimizer step.',
    findings=(
        Finding('frac_frozen', 'number', 'share of parameter elements with requires_grad=False'),
        Finding('frac_no_grad', 'number', 'share of trainable parameter elements that got no (or an all-zero) gradient'),
        Finding('frac_not_in_optimizer', 'number', 'share of trainable parameter elements the optimizer does not update'),
        Finding('first_last_grad_ratio', 'number', 'gradient norm per element of the first weight layer / of the last'),
        Finding('max_grad_norm', 'number', 'largest per-layer gradient norm'),
        Finding('update_ratio', 'number', 'median over layers of |update| / |weight| after one optimizer step'),
        Finding('nonfinite_grad', 'bool', 'some gradient is NaN or Inf'),
    ),
)


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import training

    model = subject.model
    x, y = training.to_device(training.first_batch(subject), training.model_device(model))
    params = dict(model.named_parameters())
    if not params:
        return Measurement(findings={f.name: None for f in SPEC.findings}, notes=["the model has no parameters"])
    model.train()
    model.zero_grad(set_to_none=True)
    value = training.loss(subject, training.forward(subject, x), y)
    if torch.is_tensor(value) and value.requires_grad:  # not when every parameter is frozen
        value.backward()

    total = sum(p.numel() for p in params.values())
    trainable = {n: p for n, p in params.items() if p.requires_grad}
    n_trainable = sum(p.numel() for p in trainable.values())
    no_grad = sum(p.numel() for p in trainable.values() if p.grad is None or not bool(p.grad.any()))
    optimizer = training.make_optimizer(subject)
    in_opt = {id(p) for g in optimizer.param_groups for p in g["params"]}
    not_in_opt = sum(p.numel() for p in trainable.values() if id(p) not in in_opt)
    nonfinite = any(p.grad is not None and not bool(torch.isfinite(p.grad).all()) for p in params.values())

    layers = _layers(model)
    before = {name: [p.detach().clone() for p in ps] for name, ps in layers}
    optimizer.step()
    rows = [_layer_row(name, ps, before[name], all(id(p) in in_opt for p in ps)) for name, ps in layers]

    weights = [r for r in rows if r["weight_layer"] and r["rms_grad"] is not None]
    ratio = None
    if len(weights) >= 2 and weights[-1]["rms_grad"] > 0:
        ratio = weights[0]["rms_grad"] / weights[-1]["rms_grad"]
    norms = [r["grad_norm"] for r in rows if r["grad_norm"] is not None]
    updates = sorted(r["update_ratio"] for r in rows if r["update_ratio"] is not None)
    findings = {
        "frac_frozen": 1 - n_trainable / total,
        "frac_no_grad": no_grad / n_trainable if n_trainable else None,
        "frac_not_in_optimizer": not_in_opt / n_trainable if n_trainable else None,
        "first_last_grad_ratio": ratio,
        "max_grad_norm": max(norms) if norms else None,
        "update_ratio": updates[len(updates) // 2] if updates else None,
        "nonfinite_grad": nonfinite,
    }
    notes = []
    if weights and len(weights) < 2:
        notes.append("only one weight layer gets a gradient: no first/last ratio")
    return Measurement(findings=findings, details={"layers": rows, "first_weight_layer": weights[0]["name"] if weights else None,
                                                   "last_weight_layer": weights[-1]["name"] if weights else None}, notes=notes)


def _layers(model):
    """(module name, its own parameters) for every module owning parameters, in registration order."""
    out = []
    for name, module in model.named_modules():
        own = [p for p in module.parameters(recurse=False)]
        if own:
            out.append((name or "(model)", own))
    return out


def _layer_row(name, params, before, in_optimizer: bool) -> dict:
    """Norms of one layer; its update ratio only when the optimizer updates it and it has a gradient."""
    import torch

    grads = [p.grad for p in params if p.grad is not None]
    with torch.no_grad():
        w_norm = _norm(before)
        grad_norm = _norm(grads) if grads else None
        delta = _norm([p - b for p, b in zip(params, before)])
    matrices = [p for p in params if p.dim() >= 2]
    return {
        "name": name,
        "numel": sum(p.numel() for p in params),
        "grad_norm": grad_norm,
        "weight_norm": w_norm,
        "update_ratio": delta / w_norm if in_optimizer and grads and w_norm > 0 and delta == delta else None,
        "weight_layer": bool(matrices),
        "rms_grad": _row_rms(matrices[0].grad) if matrices and matrices[0].grad is not None else None,
    }


def _norm(tensors) -> float:
    return float(sum(float(t.detach().double().pow(2).sum()) for t in tensors) ** 0.5)


def _row_rms(grad) -> float:
    """RMS gradient per element over the rows that received some gradient (0 when none did)."""
    g = grad.detach().double().reshape(grad.shape[0], -1)
    touched = g.abs().sum(1) > 0
    if not bool(touched.any()):
        return 0.0
    return float(g[touched].pow(2).mean().sqrt())
