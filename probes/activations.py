"""Probe `activations`: Activations and initial weights.

Dead ReLUs per layer, saturated sigmoid/tanh units, each layer's initial weight scale against its
fan-in, and whether the whole model is affine (layers stacked without a non-linearity).

How: forward hooks on ReLU/ReLU6 (dead units), Sigmoid and Tanh (saturation) *modules* over up to
``SAMPLES`` training rows, model in train mode, no gradients.  A unit is a channel when the last
weight layer that ran before the activation was a convolution, else a feature of the last dimension;
it is dead when it outputs 0 for every row (and position).  Activations called as functions
(``F.relu``, ``torch.sigmoid``) are invisible to the hooks; the affinity test sees them: in eval mode
it measures the residual |f(a*x1 + (1-a)*x2) - (a*f(x1) + (1-a)*f(x2))| over pairs of real inputs,
relative to the change |f(x1) - f(x2)| (affine_residual) and to the outputs' size |f(x1)| + |f(x2)|
(affine_residual_of_output, what float rounding is measured against); float inputs only.  The KB
judges both (an affine model leaves rounding only).  Weight scale: std(W) * sqrt(fan_in) is about
0.58 for PyTorch's default init, 1.4 for He, about 1 for Glorot; zero-std weights give
``CONSTANT_SCALE``.  weight_spread_min: the smallest std(W) / max|W| over weight layers (0 for a
layer of zeros or of one constant; uniform inits give 0.58, normal ones 0.2-0.4).
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='activations',
    title='Activations and initial weights',
    needs=('model', 'train_data'),
    cost_s=0.4,
    doc="Dead ReLUs per layer, saturated sigmoid/tanh units, each layer's initial weight scale against its fan-in, and whether the whole model is affine (layers stacked without a non-linearity).",
    findings=(
        Finding('dead_relu_frac', 'number', 'largest share, over ReLU layers, of units that output zero for every input of a batch'),
        Finding('saturated_frac', 'number', 'largest share, over sigmoid/tanh layers, of saturated outputs'),
        Finding('init_scale_log10_worst', 'number', 'largest |log10(weight std / (1/sqrt(fan_in)))| over weight layers'),
        Finding('weight_spread_min', 'number', 'smallest std(W) / max|W| over weight layers (0 for a layer of zeros or of one constant)'),
        Finding('affine_residual', 'number', "worst |f(a*x1 + (1-a)*x2) - (a*f(x1) + (1-a)*f(x2))| / |f(x1) - f(x2)| over real input pairs (0 for an affine model)"),
        Finding('affine_residual_of_output', 'number', "the same residual / (|f(x1)| + |f(x2)|): against the outputs' size, what float rounding is measured against"),
        Finding('weight_layers', 'number', 'number of Linear/Conv layers'),
    ),
)

SAMPLES = 256  # rows looked at for dead and saturated units
MAX_BATCHES = 16
CONSTANT_SCALE = 6.0  # reported log10 scale of a weight with zero spread


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import training

    model = subject.model
    nn = torch.nn
    weight_types = (nn.Linear, nn.modules.conv._ConvNd)
    dead_types, sat_types = (nn.ReLU, nn.ReLU6), (nn.Sigmoid, nn.Tanh)
    stats, last_weight = {}, [None]

    def on_weight(mod, args, out):
        last_weight[0] = mod

    def on_act(name):
        def hook(mod, args, out):
            if not torch.is_tensor(out) or out.dim() == 0:
                return
            s = stats.setdefault(name, {"kind": type(mod).__name__, "alive": None, "sat": 0, "n": 0})
            if isinstance(mod, dead_types):
                conv = isinstance(last_weight[0], nn.modules.conv._ConvNd) and out.dim() > 2
                unit_dim = 1 if conv else out.dim() - 1
                alive = (out.detach() != 0).transpose(0, unit_dim).reshape(out.shape[unit_dim], -1).any(1)
                s["alive"] = alive if s["alive"] is None else s["alive"] | alive
            else:
                o = out.detach()
                sat = (o < 0.01) | (o > 0.99) if isinstance(mod, nn.Sigmoid) else o.abs() > 0.99
                s["sat"] += int(sat.sum())
                s["n"] += o.numel()
        return hook

    handles = []
    for name, m in model.named_modules():
        if isinstance(m, weight_types):
            handles.append(m.register_forward_hook(on_weight))
        elif isinstance(m, dead_types + sat_types):
            handles.append(m.register_forward_hook(on_act(name or "(model)")))
    device = training.model_device(model)
    first = None
    try:
        model.train()
        seen = 0
        with torch.no_grad():
            for x, _ in training.batches(subject.train_data, MAX_BATCHES, training.keys_of(subject)):
                x = training.to_device(x, device)
                first = x if first is None else first
                last_weight[0] = None
                training.forward(subject, x)
                seen += len(x) if hasattr(x, "__len__") else 1
                if seen >= SAMPLES:
                    break
    finally:
        for h in handles:
            h.remove()

    dead = {n: 1 - float(s["alive"].float().mean()) for n, s in stats.items() if s["alive"] is not None}
    sat = {n: s["sat"] / s["n"] for n, s in stats.items() if s["n"]}
    scales = _init_scales(model, weight_types)
    finite_scales = [abs(v) for v in scales.values() if v is not None]
    constant = any(v is None for v in scales.values())
    residual, residual_of_output = _affine(subject, first)
    notes = []
    if not stats:
        notes.append("no ReLU/Sigmoid/Tanh module: activations called as functions are invisible to dead/saturation counts")
    findings = {
        "dead_relu_frac": max(dead.values()) if dead else None,
        "saturated_frac": max(sat.values()) if sat else None,
        "init_scale_log10_worst": CONSTANT_SCALE if constant else (max(finite_scales) if finite_scales else None),
        "weight_spread_min": _spread_min(model, weight_types),
        "affine_residual": residual,
        "affine_residual_of_output": residual_of_output,
        "weight_layers": len(scales),
    }
    details = {"dead_frac": dead, "saturated_frac": sat, "init_scale_log10": scales, "rows_seen": seen}
    return Measurement(findings=findings, details=details, notes=notes)


def _init_scales(model, weight_types) -> dict:
    """log10(std(W) * sqrt(fan_in)) per weight layer; None for a weight with zero spread."""
    import math

    out = {}
    for name, m in model.named_modules():
        w = getattr(m, "weight", None)
        if not isinstance(m, weight_types) or w is None or w.numel() < 2:
            continue
        std = float(w.detach().double().std())
        fan_in = w[0].numel()
        out[name or "(model)"] = math.log10(std * math.sqrt(fan_in)) if std > 0 else None
    return out


def _spread_min(model, weight_types) -> float | None:
    """The smallest std(W) / max|W| over weight layers of two or more weights (0 for all zeros)."""
    spreads = []
    for m in model.modules():
        w = getattr(m, "weight", None)
        if not isinstance(m, weight_types) or w is None or w.numel() < 2:
            continue
        w = w.detach().double()
        top = float(w.abs().max())
        spreads.append(float(w.std()) / top if top > 0 else 0.0)
    return min(spreads) if spreads else None


def _affine(subject, x):
    """(worst mixing residual / |f(x1) - f(x2)|, the same / (|f(x1)| + |f(x2)|)); (None, None) for
    non-float inputs and for outputs that are not finite (nothing measured).  A residual of exactly
    0 is 0 against anything (a constant model)."""
    import math

    import torch

    from dldoctor.probes import training

    if not torch.is_tensor(x) or not x.is_floating_point() or len(x) < 1:
        return None, None
    x1 = x[:16]
    x2 = x1.roll(1, 0) if len(x1) > 1 else x1 + torch.randn_like(x1) * (x1.std() + 1)
    model = subject.model
    model.eval()
    with torch.no_grad():
        f1, f2 = training.forward(subject, x1), training.forward(subject, x2)
        if not (torch.is_tensor(f1) and f1.is_floating_point()):
            return None, None
        f1, f2 = f1.double(), f2.double()
        spread = float((f1 - f2).norm())
        size = float(f1.norm()) + float(f2.norm())
        residuals = [float((training.forward(subject, a * x1 + (1 - a) * x2).double() - (a * f1 + (1 - a) * f2)).norm())
                     for a in (0.3, 0.7)]
    if not all(map(math.isfinite, [spread, size, *residuals])):
        return None, None
    worst = max(residuals)
    return _relative(worst, spread), _relative(worst, size)


def _relative(residual: float, scale: float) -> float | None:
    import math

    if residual == 0:
        return 0.0
    return residual / scale if scale > 0 and math.isfinite(residual / scale) else None
