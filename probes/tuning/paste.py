"""The lines to paste into the user's code: the optimizer with the best values (and every other setting
that differs from the class's defaults), the DataLoader's batch size, the declared values."""
from __future__ import annotations

from dldoctor.probes.tuning.space import class_defaults

OPTIMIZER_KEYS = ("lr", "weight_decay", "momentum", "betas")
QUIET = {"foreach", "fused", "capturable", "differentiable", "initial_lr", "params"}  # implementation switches


def class_name(cls) -> str:
    import torch

    if getattr(torch.optim, cls.__name__, None) is cls:
        return f"torch.optim.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def literal(v) -> str:
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(literal(x) for x in v) + ")"
    if isinstance(v, float):
        return f"{v:.3g}"
    return repr(v)


def lines(subject, optimizer, best: dict) -> list[str]:
    group = optimizer.param_groups[0]
    defaults = class_defaults(type(optimizer))
    kwargs = {}
    for k, v in group.items():
        if k in QUIET or k not in defaults:
            continue
        if k in best and k in OPTIMIZER_KEYS:
            kwargs[k] = best[k]
        elif _differs(v, defaults[k]):
            kwargs[k] = v
    for k in OPTIMIZER_KEYS:  # a tuned value always shows, even when it equals the default
        if k in best and k in group:
            kwargs[k] = best[k]
    order = [k for k in OPTIMIZER_KEYS if k in kwargs] + [k for k in kwargs if k not in OPTIMIZER_KEYS]
    out = [f"{class_name(type(optimizer))}(params, " + ", ".join(f"{k}={literal(kwargs[k])}" for k in order) + ")"]
    if "batch_size" in best:
        out.append(f"DataLoader(dataset, batch_size={best['batch_size']}, ...)")
    declared = {k: v for k, v in best.items() if k not in OPTIMIZER_KEYS and k != "batch_size"}
    if declared:
        out.append("build({" + ", ".join(f"{k!r}: {literal(v)}" for k, v in declared.items()) + "})")
    return out


def notes(optimizer, space) -> list[str]:
    out = []
    if len(optimizer.param_groups) > 1:
        out.append(f"the optimizer has {len(optimizer.param_groups)} parameter groups: the values are the first group's, "
                   "the others keep their ratio to it")
    if any(p.name == "betas" for p in space):
        out.append("betas: the first value is searched, the second keeps its given value")
    if any(p.name == "batch_size" for p in space):
        out.append("batch_size: trials are bounded in steps, so a larger batch sees more examples in the same steps")
    return out


def _differs(a, b) -> bool:
    try:
        if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
            return tuple(float(x) for x in a) != tuple(float(x) for x in b)
        if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
            return a != b
        return float(a) != float(b)
    except (TypeError, ValueError):
        return a != b
