"""Probe `loss-saturation`: Does the loss stay finite once the model grows confident?

A NaN that appears only after some training often comes from a loss that is finite for an
untrained model and not for a confident one: ``torch.log(torch.sigmoid(z))`` and
``torch.log(1 - p)`` hit log(0) once float32's sigmoid rounds to exactly 1 (|z| above ~16.6), and
``0 * log(0)`` is NaN.  Training reaches that point after tens to thousands of steps, by which
time the loss curve explodes and reads like a learning rate far too high.  Stable losses
(``BCEWithLogitsLoss``, ``CrossEntropyLoss``, ``BCELoss``, which clamps its log at -100, a log with
an epsilon) stay finite at any confidence.

How (no training; the first batch, eval mode, no_grad): a forward hook on the last Linear or Conv
layer to run (the output layer) rescales its output so that its largest |value| is 2, 4, ..., 1024
- the logits of an ever more confident model, with the same signs - and the loss is computed at
each.  ``finite_up_to_output_magnitude`` is the largest magnitude of the ladder at which the loss
was still finite, the ladder's top (1024) when it never broke, 0 when it broke at the first (None
when it is not finite already at the model's own outputs: probe numerics speaks).  A saturated
sigmoid breaks at 32 (finite up to 16); an exp that overflows float32 (a Poisson rate) only near
88 (up to 64), a hand-written log(softmax) once logits differ by ~100.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='loss-saturation',
    title='Loss at saturated outputs',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=0.2,
    doc="Rescales the output layer's values as a confident model would produce them (largest |value| 2 ... 1024) and finds the largest magnitude at which the loss is still finite (log of a saturated sigmoid breaks at 32).",
    findings=(
        Finding('finite_up_to_output_magnitude', 'number', "largest |output-layer value| of 2, 4, ... 1024 at which the loss is still finite (1024: never broke; 0: broke at 2)"),
    ),
)

MAGNITUDES = tuple(2.0 ** k for k in range(1, 11))
LAYERS = ("Linear", "Conv1d", "Conv2d", "Conv3d", "Bilinear")


def measure(subject, ctx) -> Measurement:
    import math

    import torch

    from dldoctor.probes import training

    model = subject.model
    x, y = training.to_device(training.first_batch(subject), training.model_device(model))
    layers = [m for m in model.modules() if type(m).__name__ in LAYERS]
    if not layers:
        return Measurement(findings={"finite_up_to_output_magnitude": None}, notes=["no Linear or Conv layer to rescale"])
    order = []
    handles = [m.register_forward_hook(lambda mod, a, out: order.append(mod)) for m in layers]
    model.eval()
    try:
        with torch.no_grad():
            first = training.as_float(training.loss(subject, training.forward(subject, x), y))
    finally:
        for h in handles:
            h.remove()
    if not math.isfinite(first) or not order:
        return Measurement(findings={"finite_up_to_output_magnitude": None},
                           notes=["the loss is not finite at the model's own outputs (probe numerics speaks)" if order else "no layer ran"])
    last, scale = order[-1], {}

    def rescale(mod, args, out):
        peak = float(out.detach().abs().max()) if torch.is_tensor(out) and out.numel() else 0.0
        return out * (scale["to"] / peak) if peak > 0 else out

    found, losses = MAGNITUDES[-1], []
    handle = last.register_forward_hook(rescale)
    try:
        for mag in MAGNITUDES:
            scale["to"] = mag
            with torch.no_grad():
                value = training.as_float(training.loss(subject, training.forward(subject, x), y))
            losses.append(value if math.isfinite(value) else None)
            if not math.isfinite(value):
                found = MAGNITUDES[len(losses) - 2] if len(losses) > 1 else 0.0
                break
    finally:
        handle.remove()
    names = {m: n for n, m in model.named_modules()}
    return Measurement(findings={"finite_up_to_output_magnitude": found},
                       details={"layer": names.get(last), "loss_at_outputs": first, "magnitudes": list(MAGNITUDES[:len(losses)]), "losses": losses})
