"""Probe `batch-independence`: Does one example's output depend on the other examples of its batch?

In eval mode a correct model maps each example to its output on its own: batch norm uses its
running statistics, dropout is off, so changing one example of a batch leaves every other output
exactly as it was.  A model that mixes the batch dimension with another one does not: an RNN built
without ``batch_first`` and fed (batch, seq, feature) runs its recurrence across the examples, a
``view``/``reshape`` where ``permute`` was meant interleaves them.

How (three forwards of the first batch, eval mode, no_grad, the same seed before each so that
randomness left on in eval cannot look like mixing): the batch as it is; the first example replaced
by the second (a real example, so token ids and value ranges stay valid); the last replaced by the
one before it.  For each perturbed forward, the largest change of an untouched example's output
over the change of the perturbed example's own output; ``cross_example_change`` is the larger of the
two (0 when examples are independent, near 1 or more when they mix; float noise gives ~1e-7).

The batch dimension is the inputs' dimension whose size is the batch size (the DataLoader's
``batch_size``, else the targets' length): dim 0 for the DataLoader's default collate, dim 1 for a
``pad_sequence`` collate that makes (seq, batch) tensors for a sequence-first RNN.  When both
dimensions have that size dim 0 is taken (the default collate's); when neither does, the probe says
so and measures nothing.  A model
whose eval forward mixes the batch on purpose (attention across the examples of a set, batch norm
with ``track_running_stats=False``) is measured as mixing; that is rare and the report says what
was measured.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='batch-independence',
    title='Batch independence in eval mode',
    needs=('model', 'train_data'),
    cost_s=0.2,
    doc="Changes one example of a batch in eval mode and measures how much the other examples' outputs change (an RNN without batch_first fed (batch, seq, feature), a view that interleaves examples).",
    findings=(
        Finding('cross_example_change', 'number', "largest change of an untouched example's output / the change of the perturbed example's own output (0 when independent)"),
        Finding('batch_dim', 'number', 'the inputs dimension taken as the batch (0, or 1 for sequence-first batches)'),
    ),
)

MAX_EXAMPLES = 16


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import training

    none = {"cross_example_change": None, "batch_dim": None}
    inputs, targets = training.to_device(training.first_batch(subject), training.model_device(subject.model))
    size = _batch_size(subject.train_data, targets)
    x = _first_tensor(inputs)
    if x is None or size is None or x.ndim == 0:
        return Measurement(findings=none, notes=["the inputs hold no tensor with a batch dimension"])
    dims = [d for d in range(min(2, x.ndim)) if x.shape[d] == size]  # dim 0 first: the default collate's
    if not dims:
        return Measurement(findings=none, notes=[f"no inputs dimension of the batch size {size} (shape {tuple(x.shape)}): the batch dimension is unknown"])
    dim = dims[0]
    n = min(size, MAX_EXAMPLES)
    if n < 3:
        return Measurement(findings={**none, "batch_dim": dim}, notes=["fewer than 3 examples in the batch"])
    inputs = _narrow(inputs, dim, size, n)
    model = subject.model
    model.eval()

    def out(batch):
        torch.manual_seed(ctx.seed)
        with torch.no_grad():
            y = _first_tensor(training.forward(subject, batch))
        return None if y is None else y.detach().float()

    try:
        base = out(inputs)
        odim = _out_dim(base, dim, n)
        if odim is None:
            return Measurement(findings={**none, "batch_dim": dim},
                               notes=[f"the outputs (shape {tuple(base.shape) if base is not None else None}) have no dimension of {n} examples"])
        ratios = []
        for target, source in ((0, 1), (n - 1, n - 2)):
            changed = out(_replace(inputs, dim, size, n, target, source))
            delta = (changed - base).movedim(odim, 0).reshape(n, -1).norm(dim=1)
            own = float(delta[target])
            others = float(torch.cat([delta[:target], delta[target + 1:]]).max())
            ratios.append(others / max(own, 1e-12) if others > 0 else 0.0)
    except Exception as exc:  # the model's own failure on a changed batch
        return Measurement(findings={**none, "batch_dim": dim}, notes=[f"forward failed: {type(exc).__name__}: {exc}"[:200]])
    details = {"examples": n, "ratios": ratios, "output_batch_dim": odim}
    return Measurement(findings={"cross_example_change": max(ratios), "batch_dim": dim}, details=details)


def _first_tensor(x):
    import torch

    if torch.is_tensor(x):
        return x
    if isinstance(x, dict):
        x = list(x.values())
    elif hasattr(x, "to_tuple"):  # a transformers ModelOutput
        x = list(x.to_tuple())
    if isinstance(x, (list, tuple)):  # a scalar (a ModelOutput's loss) is no per-example output
        found = [t for t in map(_first_tensor, x) if t is not None]
        return next((t for t in found if t.ndim), found[0] if found else None)
    return None


def _map(x, fn, size):
    """fn applied to every tensor of x that has the batch dimension (the rest left as it is)."""
    import torch

    if torch.is_tensor(x):
        return fn(x)
    if isinstance(x, dict):
        return type(x)({k: _map(v, fn, size) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return type(x)(_map(v, fn, size) for v in x)
    return x


def _batch_size(loader, targets):
    """Examples in the first batch: the DataLoader's batch_size (capped by its data set), else the targets' length."""
    size = getattr(loader, "batch_size", None)
    try:
        size = min(size, len(loader.dataset)) if size else None
    except TypeError:
        pass
    if size is None and hasattr(targets, "shape") and len(targets.shape):
        size = int(targets.shape[0])
    return size


def _narrow(inputs, dim, size, n):
    return _map(inputs, lambda t: t.narrow(dim, 0, n) if t.ndim > dim and t.shape[dim] == size else t, size)


def _replace(inputs, dim, size, n, target, source):
    def fn(t):
        if t.ndim <= dim or t.shape[dim] != n:
            return t
        t = t.clone()
        t.select(dim, target).copy_(t.select(dim, source))
        return t
    return _map(inputs, fn, size)


def _out_dim(y, dim, n):
    """The outputs' batch dimension: the inputs' one when it has n examples, else the other of the first two."""
    if y is None or y.ndim == 0:
        return None
    for d in (dim, 1 - dim):
        if 0 <= d < y.ndim and y.shape[d] == n:
            return d
    return None
