"""Probe `output-vs-target`: Outputs against targets: shapes, dtypes, probabilities, label range.

Compares the model's outputs on one batch with the targets and the loss: silent broadcasting,
dtypes, outputs that are already (log-)probabilities, normalisation over the wrong dimension, label
values against the number of outputs.

How (one forward on the first batch, no_grad, the model in the mode it is in):
- what the loss expects comes from ``probes.loss_kind.identify`` (known nn losses by type, any other
  callable by comparing it with the standard losses on random outputs, so a user's
  ``lambda o, t: F.cross_entropy(o, t)`` counts as cross-entropy);
- shape_broadcast: shapes differ, they broadcast to more elements than either has, and the loss,
  watched op by op, builds a tensor of that broadcast size (a loss that squeezes by itself is
  therefore not reported);
- probabilities: rows non-negative and summing to 1 within 1e-3 over dim 1 (C > 1), or for one
  output all values in [0, 1] and clearly not fresh logits (see ``_unit_interval``), while the loss
  takes logits; log-probabilities: all <= 0 with logsumexp over
  dim 1 within 1e-3 of 0 while the loss applies its own softmax (cross-entropy); the wrong dimension:
  the same tests hold over dim 0 (the batch) and fail over dim 1;
- labels: integer targets with a class dimension (C > 1) and a loss that is not a value loss; the
  loss's ``ignore_index`` is left out of the range;
- dtypes: targets against what the loss takes (class indices integer, otherwise the outputs' float
  dtype); the tensor the model receives (after the subject's ``forward``) against its first floating
  parameter, integer inputs being fine for a model with an embedding.
None means "does not apply" (no label findings for regression, no probability findings when the
loss is not recognised).
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='output-vs-target',
    title='Outputs against targets: shapes, dtypes, probabilities, label range',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=0.3,
    doc="Compares the model's outputs on one batch with the targets and the loss: silent broadcasting, dtypes, outputs that are already (log-)probabilities, normalisation over the wrong dimension, label values against the number of outputs.",
    findings=(
        Finding('shape_broadcast', 'bool', 'outputs and targets have different shapes that the loss broadcasts silently, e.g. (N,1) against (N,)'),
        Finding('outputs_probabilities', 'bool', 'outputs are already probabilities (non-negative, summing to 1 over the class dimension, or in (0,1) for one output) while the loss expects logits'),
        Finding('outputs_log_probabilities', 'bool', 'outputs are log-probabilities (log-softmax) while the loss applies its own softmax'),
        Finding('outputs_not_log_probabilities', 'bool', 'the loss takes log-probabilities (NLLLoss, KLDivLoss) and the outputs are not (logsumexp over the classes is not 0: raw logits)'),
        Finding('normalized_wrong_dim', 'bool', 'outputs sum to 1 (or logsumexp 0) over the batch dimension instead of the class dimension'),
        Finding('label_out_of_range', 'bool', 'some class label is negative or not below the number of outputs'),
        Finding('label_min', 'number', 'smallest class label in the batch'),
        Finding('label_max', 'number', 'largest class label in the batch'),
        Finding('num_outputs', 'number', "size of the output's class dimension"),
        Finding('unused_leading_outputs', 'number', 'how many of the outputs 0, 1, ... no label uses over the first batches of train_data (1 when labels start at 1)'),
        Finding('target_dtype_mismatch', 'bool', 'targets have a dtype the loss does not expect (integers for a regression loss, float64 against float32 outputs)'),
        Finding('input_dtype_mismatch', 'bool', "inputs have a dtype other than the model's parameters (float64 against float32, uint8 images)"),
    ),
)

TOL = 1e-3


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import loss_kind, training

    names = [f.name for f in SPEC.findings]
    findings, details, notes = dict.fromkeys(names), {}, []
    inputs, targets = training.first_batch(subject)
    seen = []  # what the model itself receives, after the subject's forward prepared the inputs
    handle = subject.model.register_forward_pre_hook(lambda m, args: seen.append(args[0] if args else None))
    try:
        with torch.no_grad():
            out = training.predictions(training.forward(subject, inputs))
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        out = None
        notes.append(f"the forward raised {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        handle.remove()
    findings["input_dtype_mismatch"] = _input_mismatch(subject.model, seen[0] if seen else inputs)
    if not (torch.is_tensor(out) and torch.is_tensor(targets) and out.is_floating_point()):
        notes.append("outputs or targets are not tensors of numbers; nothing to compare")
        return Measurement(findings=findings, notes=notes)
    out = out.detach()
    details.update(output_shape=list(out.shape), target_shape=list(targets.shape),
                   output_dtype=str(out.dtype), target_dtype=str(targets.dtype))
    kind = loss_kind.identify(subject.loss_fn, out, targets, ctx.seed)
    details["loss_kind"] = None if kind is None else {"name": kind.name, "scale": kind.scale}
    loss_value = _loss(subject, out, targets, notes)

    findings["shape_broadcast"] = _broadcasts(subject, out, targets, loss_value)
    two_d = out.dim() >= 2 and out.shape[1] > 1
    if kind is not None:
        if two_d:
            findings["outputs_probabilities"] = _sums_to_one(out, 1) and kind.expects == "logits"
            findings["outputs_log_probabilities"] = _logsumexp_zero(out, 1) and kind.name == "cross-entropy"
            if kind.expects == "log-probabilities":
                findings["outputs_not_log_probabilities"] = not (_logsumexp_zero(out, 1) or _sums_to_one(out, 1) or _logsumexp_zero(out, 0))
        else:
            findings["outputs_probabilities"] = _unit_interval(out) and kind.expects == "logits"
    if out.dim() >= 2 and out.shape[0] > 1:
        over_batch = _sums_to_one(out, 0) or _logsumexp_zero(out, 0)
        over_class = _sums_to_one(out, 1) or _logsumexp_zero(out, 1)
        findings["normalized_wrong_dim"] = over_batch and not over_class

    integer = not targets.is_floating_point() and not targets.is_complex()
    value_loss = kind is not None and kind.expects == "values"
    if integer and two_d and not value_loss and subject.task != "regression":
        c = out.shape[1]
        labels = targets[targets != getattr(subject.loss_fn, "ignore_index", -100)]
        if labels.numel():
            lo, hi = int(labels.min()), int(labels.max())
            findings.update(label_min=lo, label_max=hi, num_outputs=c, label_out_of_range=lo < 0 or hi >= c)
            findings["unused_leading_outputs"] = _unused_leading(subject, c, getattr(subject.loss_fn, "ignore_index", -100))
    findings["target_dtype_mismatch"] = _target_mismatch(kind, out, targets, integer, subject.task)
    return Measurement(findings=findings, details=details, notes=notes)


LABEL_BATCHES = 20


def _unused_leading(subject, c: int, ignore: int) -> int | None:
    """Outputs 0, 1, ... that no label uses over the first LABEL_BATCHES batches: 1-based labels leave
    output 0 unused for ever (one batch alone may miss class 0 by chance; 20 batches rarely do)."""
    import torch

    from dldoctor.probes import training

    used = torch.zeros(c, dtype=torch.bool)
    for _, y in training.batches(subject.train_data, LABEL_BATCHES, training.keys_of(subject)):
        if not torch.is_tensor(y) or y.is_floating_point():
            return None
        y = y.flatten()
        y = y[(y != ignore) & (y >= 0) & (y < c)]
        used[y.long()] = True
    unused = 0
    while unused < c and not used[unused]:
        unused += 1
    return unused


def _loss(subject, out, targets, notes):
    import warnings

    import torch

    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(subject.loss_fn(out, targets))
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        notes.append(f"the loss raised {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        return None


def _broadcasts(subject, out, targets, loss_value) -> bool:
    """Shapes differ, broadcast to more elements than either has, and the loss really built a
    tensor that big (watched at the ATen level, so a loss that squeezes by itself is not reported)."""
    import math
    import warnings

    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_leaves

    if out.shape == targets.shape or loss_value is None:
        return False
    try:
        size = math.prod(torch.broadcast_shapes(out.shape, targets.shape))
    except RuntimeError:
        return False
    if size <= max(out.numel(), targets.numel()):
        return False

    class Largest(TorchDispatchMode):
        numel = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            sizes = [x.numel() for x in tree_leaves(result) if isinstance(x, torch.Tensor)]
            self.numel = max([self.numel, *sizes])
            return result

    mode = Largest()
    with torch.no_grad(), warnings.catch_warnings(), mode:
        warnings.simplefilter("ignore")
        subject.loss_fn(out, targets)
    return mode.numel >= size


def _sums_to_one(out, dim: int) -> bool:
    return bool((out >= -TOL).all() and ((out.sum(dim) - 1).abs() <= TOL).all())


def _unit_interval(out) -> bool:
    """One output per sample that looks like a sigmoid's: all in [0, 1] and either centred away from
    0 (mean >= 0.25; fresh logits sit near 0, their bias within +-1/sqrt(fan_in)) or spread over
    half the interval (a trained sigmoid)."""
    x = out.float()
    return bool(((x >= 0) & (x <= 1)).all() and (x.mean() >= 0.25 or x.max() - x.min() >= 0.5))


def _logsumexp_zero(out, dim: int) -> bool:
    return bool((out <= TOL).all() and (out.logsumexp(dim).abs() <= TOL).all())


def _target_mismatch(kind, out, targets, integer: bool, task) -> bool | None:
    indices = targets.dim() == out.dim() - 1
    if kind is not None and kind.name in ("cross-entropy", "nll") and indices:
        return not integer
    if not integer:
        return targets.dtype != out.dtype
    if kind is not None:  # integer targets for anything but class indices
        return True
    return True if task == "regression" else None


def _input_mismatch(model, inputs) -> bool | None:
    import torch

    if not torch.is_tensor(inputs):
        return None
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    if param is None:
        return None
    if not inputs.is_floating_point():
        embeds = any(isinstance(m, (torch.nn.Embedding, torch.nn.EmbeddingBag)) for m in model.modules())
        return not embeds
    return inputs.dtype != param.dtype
