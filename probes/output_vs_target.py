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
- probabilities and log-probabilities are read as distances, judged in the KB: class_prob_dev is
  how far the rows over dim 1 are from probability distributions (max |sum - 1|, or the most
  negative output if that is larger), class_logprob_dev how far from log-probabilities (max
  |logsumexp|, or the largest output if that is larger); batch_* the same over dim 0 (the batch);
  for one output per sample, output_min / output_max / output_mean / output_spread; loss_kind is
  what the loss computes (so what it expects: logits for cross-entropy and BCE-with-logits);
- labels: integer targets with a class dimension (C > 1) and a loss that is not a value loss; the
  loss's ``ignore_index`` is left out of the range;
- dtypes: targets against what the loss takes (class indices integer, otherwise the outputs' float
  dtype); the tensor the model receives (after the subject's ``forward``) against its first floating
  parameter, integer inputs being fine for a model with an embedding.
None means "does not apply" (no label findings for regression; no loss_kind when the loss is not
recognised; no class_* findings for a flat output, no batch_* findings for a batch of one).
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
        Finding('loss_kind', 'category', 'the standard loss the loss function computes (probes.loss_kind), which says what it expects: logits, log-probabilities, probabilities or values', values=('cross-entropy', 'bce-logits', 'nll', 'kl', 'bce', 'mse', 'l1', 'huber')),
        Finding('output_columns', 'number', "outputs per sample along dim 1, the class dimension (1 for a flat output)"),
        Finding('class_prob_dev', 'number', 'distance of the output rows from probability distributions over dim 1: the larger of max |sum over the classes - 1| and -(smallest output) (0 after a softmax)'),
        Finding('class_logprob_dev', 'number', 'distance of the output rows from log-probabilities over dim 1: the larger of max |logsumexp over the classes| and the largest output (0 after a log_softmax)'),
        Finding('batch_prob_dev', 'number', 'class_prob_dev over dim 0, the batch (0 after a softmax over the batch)'),
        Finding('batch_logprob_dev', 'number', 'class_logprob_dev over dim 0, the batch (0 after a log_softmax over the batch)'),
        Finding('output_min', 'number', 'smallest output on the batch'),
        Finding('output_max', 'number', 'largest output on the batch'),
        Finding('output_mean', 'number', 'mean output on the batch'),
        Finding('output_spread', 'number', 'largest minus smallest output on the batch'),
        Finding('label_min', 'number', 'smallest class label in the batch'),
        Finding('label_max', 'number', 'largest class label in the batch'),
        Finding('num_outputs', 'number', "size of the output's class dimension"),
        Finding('unused_leading_outputs', 'number', 'how many of the outputs 0, 1, ... no label uses over the first batches of train_data (1 when labels start at 1)'),
        Finding('target_dtype_mismatch', 'bool', 'targets have a dtype the loss does not expect (integers for a regression loss, float64 against float32 outputs)'),
        Finding('input_dtype_mismatch', 'bool', "inputs have a dtype other than the model's parameters (float64 against float32, uint8 images)"),
    ),
)

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
    findings.update(_distribution_devs(out), loss_kind=None if kind is None else kind.name)
    if findings["output_min"] is None and out.numel():
        notes.append("the outputs hold NaN or Inf: how far they are from (log-)probabilities is not measured")

    integer = not targets.is_floating_point() and not targets.is_complex()
    value_loss = kind is not None and kind.expects == "values"
    if integer and two_d and not value_loss and subject.task != "regression":
        c = out.shape[1]
        labels = targets[targets != getattr(subject.loss_fn, "ignore_index", -100)]
        if labels.numel():
            lo, hi = int(labels.min()), int(labels.max())
            findings.update(label_min=lo, label_max=hi, num_outputs=c)
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


def _distribution_devs(out) -> dict:
    """How far the outputs are from (log-)probability rows over the classes and over the batch, and
    their range: plain numbers, the KB judges them (softmax rows sum to 1 up to float rounding).
    Outputs with NaN or Inf leave them unknown."""
    import torch

    x = out.double()
    flat = x.flatten()
    found = {"output_columns": int(out.shape[1]) if out.dim() >= 2 else 1}
    if not bool(torch.isfinite(flat).all()):
        return found
    if flat.numel():
        lo, hi = float(flat.min()), float(flat.max())
        found.update(output_min=lo, output_max=hi, output_mean=float(flat.mean()), output_spread=hi - lo)
    if out.dim() >= 2 and out.numel():
        found.update(class_prob_dev=_prob_dev(x, 1), class_logprob_dev=_logprob_dev(x, 1))
        if out.shape[0] > 1:
            found.update(batch_prob_dev=_prob_dev(x, 0), batch_logprob_dev=_logprob_dev(x, 0))
    return found


def _prob_dev(x, dim: int) -> float:
    """The larger of max |sum over ``dim`` - 1| and -(smallest value): 0 for probability rows."""
    return max(float((x.sum(dim) - 1).abs().max()), -float(x.min()))


def _logprob_dev(x, dim: int) -> float:
    """The larger of max |logsumexp over ``dim``| and the largest value: 0 for log-probability rows."""
    return max(float(x.logsumexp(dim).abs().max()), float(x.max()))


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
