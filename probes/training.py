"""How probes drive the subject: batches, forward, loss, optimizer and one training step.

Every probe that trains goes through ``step`` so that the user's own ``train_step`` (and the bugs
inside it) is what runs; without one, the default step is zero_grad -> forward -> loss -> backward
-> optimizer.step.  Probes call these inside ``snapshot.preserved`` so the user's objects come back
as they were.
"""
from __future__ import annotations

import itertools
import math

import torch

DEFAULT_LR = 3e-4


def batches(loader, n: int | None = None):
    """The first ``n`` batches of a loader (all when n is None), each as (inputs, targets)."""
    it = iter(loader)
    for batch in itertools.islice(it, n) if n is not None else it:
        yield split(batch)


def split(batch):
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return batch[0], batch[1]
    raise TypeError(f"a batch must be (inputs, targets), got {type(batch).__name__}")


def first_batch(subject):
    """The first batch of train_data, cached on the subject for the worker's lifetime."""
    cached = getattr(subject, "_dldoctor_first_batch", None)
    if cached is None:
        cached = next(batches(subject.train_data, 1))
        try:
            object.__setattr__(subject, "_dldoctor_first_batch", cached)
        except Exception:
            pass
    return cached


def model_device(model) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def to_device(x, device):
    if torch.is_tensor(x):
        return x.to(device)
    if isinstance(x, (list, tuple)):
        return type(x)(to_device(v, device) for v in x)
    if isinstance(x, dict):
        return {k: to_device(v, device) for k, v in x.items()}
    return x


def forward(subject, inputs, model=None):
    model = model if model is not None else subject.model
    if subject.forward is not None:
        return subject.forward(model, inputs)
    return model(inputs)


def loss(subject, outputs, targets):
    """``loss_fn(outputs, targets)``, checked: a scalar tensor (a float has no gradient, a per-sample
    tensor is no loss to minimise).  A TypeError says which, so probe 'runs' reports it as the crash."""
    return checked_loss(subject.loss_fn(outputs, targets))


def checked_loss(value):
    if torch.is_tensor(value):
        if value.numel() != 1:
            raise TypeError(f"loss_fn returned a tensor of shape {tuple(value.shape)}, not a scalar "
                            "(reduction='none'? reduce it with .mean())")
        return value
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        raise TypeError(f"loss_fn returned a {type(value).__name__}, not a tensor: no gradient flows "
                        "through it (.item() inside the loss?)")
    raise TypeError(f"loss_fn returned a {type(value).__name__}, not a scalar tensor")


def make_optimizer(subject, model=None, lr: float | None = None):
    """An optimizer for ``model`` (default: the subject's model).

    The subject's optimizer instance is used as is for its own model (restored by ``preserved``);
    a factory is called; for another model (a copy) an optimizer of the same class and
    hyper-parameters is built.  ``lr`` overrides the learning rate.
    """
    model = model if model is not None else subject.model
    opt = subject.optimizer
    if isinstance(opt, torch.optim.Optimizer):
        if model is subject.model:
            built = opt
        else:
            built = type(opt)(model.parameters(), **constructor_settings(opt))
    elif callable(opt):
        built = opt(model.parameters())
    else:
        built = torch.optim.Adam(model.parameters(), lr=DEFAULT_LR)
    if lr is not None:
        for g in built.param_groups:
            g["lr"] = lr
    return built


def constructor_settings(opt) -> dict:
    """The hyper-parameters of an optimizer instance that its class's constructor takes: its ``defaults``
    overridden by its first param group, less the keys the constructor does not accept (AdamW keeps a
    ``decoupled_weight_decay`` default that its own ``__init__`` refuses)."""
    import inspect

    params = inspect.signature(type(opt).__init__).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    settings = dict(opt.defaults)
    settings.update({k: v for k, v in opt.param_groups[0].items() if k in settings})
    return {k: v for k, v in settings.items() if takes_any or k in params}


def configured_lr(subject) -> float:
    opt = subject.optimizer
    if isinstance(opt, torch.optim.Optimizer):
        return float(opt.param_groups[0]["lr"])
    if callable(opt):
        probe = torch.nn.Linear(1, 1)
        return float(opt(probe.parameters()).param_groups[0]["lr"])
    return DEFAULT_LR


def default_step(model, batch, optimizer, loss_fn, subject=None):
    inputs, targets = split(batch)
    optimizer.zero_grad()
    out = forward(subject, inputs, model) if subject is not None else model(inputs)
    value = checked_loss(loss_fn(out, targets))
    value.backward()
    optimizer.step()
    return value


def step(subject, batch, optimizer, model=None) -> float:
    """One training step with the user's train_step (or the default); returns the loss as a float."""
    model = model if model is not None else subject.model
    if subject.train_step is not None:
        value = subject.train_step(model, batch, optimizer, subject.loss_fn)
        if value is None:
            raise TypeError("train_step returned None; it must return the loss")
    else:
        value = default_step(model, batch, optimizer, subject.loss_fn, subject)
    return as_float(value)


def as_float(value) -> float:
    if torch.is_tensor(value):
        if value.numel() != 1:
            raise TypeError(f"the loss must be a scalar, got a tensor of shape {tuple(value.shape)}")
        return float(value.detach().cpu())
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"the loss must be a scalar tensor or a number, got {type(value).__name__}")


def finite(x: float) -> bool:
    return x is not None and math.isfinite(x)
