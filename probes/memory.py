"""Probe `memory`: Memory of a training step.

Peak memory of one training step split into parameters, gradients, optimizer state and activations;
activation memory per sample; the largest batch within a budget; growth across repeated steps
(retained graphs).

How: one training step (``training.step``: the user's train_step) on the first batch, then a forward
and loss at the full batch and at half of it.  Gradients are counted as the size of the trainable
parameters; optimizer state as its tensors after the step.  Activations: on CUDA the memory allocated
by the forward; elsewhere the tensors autograd saves for backward (``saved_tensors_hooks``, by
storage, parameters excluded).  Peak: on CUDA ``max_memory_allocated`` around the step; elsewhere the
sum of parameters, gradients, optimizer state and activations (an estimate: temporaries not counted).
mem(b) = peak + (b - B) * per_sample, per_sample from the two batch sizes, gives the largest batch
within the budget (``ctx.memory_budget_mb``; else the CUDA memory this process can use; none on
CPU) without ever running out of memory.  Growth: ``GROWTH_STEPS`` more steps, watched by
``graphs.NewGraphs`` (the tensors with a graph that operations returned during them); after the
first and the last, a collection and a count of the autograd graph nodes reachable from those still
alive — a loss kept in a list adds its whole graph per step, ``total += loss`` a chain that grows by
one loss graph per step, a healthy step nothing — with the bytes of those tensors and of what their
graphs still save (CUDA: allocated memory instead).  Growth per step is the difference over the
steps between the two counts: a kept graph grows by the same amount each step, so two counts two
steps apart measure it (optimizer state and gradients already exist: one step ran before).
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='memory',
    title='Memory of a training step',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=1.0,
    doc='Peak memory of one training step split into parameters, gradients, optimizer state and activations; activation memory per sample; the largest batch within a budget; growth across repeated steps (retained graphs).',
    findings=(
        Finding('device', 'category', 'where the model lives', values=('cpu', 'cuda', 'other')),
        Finding('peak_mb', 'number', 'peak memory of one training step'),
        Finding('param_mb', 'number', 'parameters'),
        Finding('grad_mb', 'number', 'gradients'),
        Finding('optimizer_mb', 'number', 'optimizer state'),
        Finding('activation_mb', 'number', 'activations kept for backward'),
        Finding('activation_mb_per_sample', 'number', 'activation memory per sample'),
        Finding('max_batch_in_budget', 'number', 'largest batch size whose step fits the memory budget'),
        Finding('budget_mb', 'number', 'the memory budget: --memory-budget, else the memory the device can give (None when unknown)'),
        Finding('growth_mb_per_step', 'number', "memory (or live autograd tensors' bytes) added per repeated step"),
        Finding('live_tensors_growth_per_step', 'number', 'autograd graph nodes kept alive by tensors that outlive the step (a kept loss, a running total of losses), added per step'),
    ),
)

MB = 2.0 ** 20
GROWTH_STEPS = 3
MAX_GRAPH_NODES = 20_000  # nodes walked per count of retained graph bytes


def measure(subject, ctx) -> Measurement:
    import torch

    from dldoctor.probes import graphs, training

    model = subject.model
    dev = training.model_device(model)
    cuda = dev.type == "cuda"
    x, y = training.to_device(training.first_batch(subject), dev)
    optimizer = training.make_optimizer(subject)
    model.train()
    model.zero_grad(set_to_none=True)
    params = list(model.parameters())
    param_bytes = graphs.storage_bytes(params)
    grad_bytes = graphs.storage_bytes([p for p in params if p.requires_grad])

    if cuda:
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
    training.step(subject, (x, y), optimizer)
    opt_bytes = graphs.storage_bytes([v for s in optimizer.state.values() for v in s.values() if torch.is_tensor(v)])
    step_peak = torch.cuda.max_memory_allocated(dev) if cuda else None

    size = _batch_size(x, y)
    act = _activation_bytes(subject, x, y, params, cuda)
    half = size // 2 if size else 0
    per_sample, notes = None, []
    if half >= 1 and torch.is_tensor(x):
        act_half = _activation_bytes(subject, *_head(x, y, half), params, cuda)
        per_sample = max(act - act_half, 0) / (size - half)
    elif size:
        per_sample = act / size
        notes.append("activations per sample taken as all activations / batch size (no smaller batch measured)")
    peak = step_peak if cuda else param_bytes + grad_bytes + opt_bytes + act

    budget = ctx.memory_budget_mb * MB if ctx.memory_budget_mb is not None else _device_budget(dev)
    if budget is None:
        notes.append("no memory budget given: largest batch and over-budget not measured")
    max_batch = None
    if budget is not None and per_sample and size:
        max_batch = max(0, size + int((budget - peak) // per_sample))
    counted, tensors, nodes, sizes = [], [], [], []
    with graphs.NewGraphs() as new:
        for k in range(1, GROWTH_STEPS + 1):
            with new.recording():
                training.step(subject, (x, y), optimizer)
            if k in (1, GROWTH_STEPS):
                n_tensors, n_nodes, nbytes = new.count(MAX_GRAPH_NODES)
                counted.append(k)
                tensors.append(n_tensors)
                nodes.append(n_nodes)
                sizes.append(torch.cuda.memory_allocated(dev) if cuda else nbytes)
    steps = counted[-1] - counted[0] if len(counted) == 2 else 0
    findings = {
        "device": "cuda" if cuda else "cpu" if dev.type == "cpu" else "other",
        "peak_mb": peak / MB,
        "param_mb": param_bytes / MB,
        "grad_mb": grad_bytes / MB,
        "optimizer_mb": opt_bytes / MB,
        "activation_mb": act / MB,
        "activation_mb_per_sample": per_sample / MB if per_sample is not None else None,
        "max_batch_in_budget": max_batch,
        "budget_mb": budget / MB if budget is not None else None,
        "growth_mb_per_step": (sizes[-1] - sizes[0]) / steps / MB if steps else None,
        "live_tensors_growth_per_step": (nodes[-1] - nodes[0]) / steps if steps else None,
    }
    details = {"batch_size": size, "budget_mb": budget / MB if budget is not None else None,
               "counted_after_steps": counted, "live_graph_tensors": tensors, "live_graph_nodes": nodes, "growth_bytes": sizes,
               "peak_is": "max_memory_allocated" if cuda else "params + grads + optimizer state + activations"}
    return Measurement(findings=findings, details=details, notes=notes)


def _activation_bytes(subject, x, y, params, cuda: bool) -> int:
    """Bytes a forward + loss keeps for backward at this batch."""
    import torch

    from dldoctor.probes import graphs, training

    if cuda:
        dev = training.model_device(subject.model)
        torch.cuda.synchronize(dev)
        before = torch.cuda.memory_allocated(dev)
        value = training.loss(subject, training.forward(subject, x), y)
        torch.cuda.synchronize(dev)
        used = torch.cuda.memory_allocated(dev) - before
        del value
        return max(used, 0)
    with graphs.SavedTensors(exclude=params) as saved:
        value = training.loss(subject, training.forward(subject, x), y)
    del value
    return saved.nbytes


def _batch_size(x, y) -> int | None:
    import torch

    t = x if torch.is_tensor(x) else y if torch.is_tensor(y) else None
    return int(t.shape[0]) if t is not None and t.dim() > 0 else None


def _head(x, y, n: int):
    import torch

    cut = lambda v: v[:n].clone() if torch.is_tensor(v) and v.dim() > 0 else v  # noqa: E731  (own storage)
    return cut(x), cut(y)


def _device_budget(dev):
    """Bytes this process can use on a CUDA device: its free memory plus this process's cache.
    None elsewhere: the machine's free RAM changes from run to run, findings must not."""
    import torch

    if dev.type == "cuda":
        free, _ = torch.cuda.mem_get_info(dev)
        return free + torch.cuda.memory_reserved(dev)
    return None
