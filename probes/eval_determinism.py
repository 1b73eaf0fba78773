"""Probe `eval-determinism`: Do two eval-mode forwards of the same batch give the same outputs?

In eval mode a model is a function: dropout is off and batch norm uses its running statistics, so
the same batch gives the same outputs whatever the random state.  Randomness left on at evaluation
breaks that: ``F.dropout(x, p)`` keeps its default ``training=True`` unless the model passes
``self.training``, a noise layer adds ``torch.randn_like`` without checking the mode, a hand-made
dropout draws its mask in every mode.  Evaluated that way, every metric is noisy and pessimistic.

How: the model in eval mode, no_grad, the first batch forwarded twice, the RNG seeded differently
before each forward (so any draw differs).  ``eval_output_change`` is the largest absolute difference between the two outputs
over the mean absolute output (0 for a deterministic model; dropout at p=0.5 gives about 1 or
more).  A model that samples at evaluation on purpose (a VAE's decoder fed a sampled latent, MC
dropout) is measured as random; the report says what was measured.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='eval-determinism',
    title='Eval-mode determinism',
    needs=('model', 'train_data'),
    cost_s=0.1,
    doc='Forwards the same batch twice in eval mode under different random seeds and measures how much the outputs differ (functional dropout left with training=True, noise layers active at evaluation).',
    findings=(
        Finding('eval_output_change', 'number', 'largest |difference| between two eval-mode forwards of one batch, over the mean |output| (0 when deterministic)'),
    ),
)


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import training
    from dldoctor.probes.batch_independence import _first_tensor

    inputs, _ = training.to_device(training.first_batch(subject), training.model_device(subject.model))
    subject.model.eval()
    outs = []
    for seed in (ctx.seed, ctx.seed + 1):
        torch.manual_seed(seed)
        with torch.no_grad():
            y = _first_tensor(training.forward(subject, inputs))
        if y is None or not y.is_floating_point():
            return Measurement(findings={"eval_output_change": None}, notes=["the model's output holds no floating-point tensor"])
        outs.append(y.detach().double())
    a, b = outs
    if a.shape != b.shape:
        return Measurement(findings={"eval_output_change": None}, notes=["two forwards of one batch gave outputs of different shapes"])
    finite = torch.isfinite(a) & torch.isfinite(b)
    if not finite.any():
        return Measurement(findings={"eval_output_change": None}, notes=["the outputs are not finite"])
    scale = float(a[finite].abs().mean())
    diff = float((a - b)[finite].abs().max())
    change = diff / scale if scale > 0 else (0.0 if diff == 0 else diff)
    return Measurement(findings={"eval_output_change": change}, details={"max_abs_difference": diff, "mean_abs_output": scale})
