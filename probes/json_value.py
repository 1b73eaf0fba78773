"""Measured values as JSON-safe plain data: what crosses the worker's pipe and goes into a watch record.

Non-finite numbers become ``None`` (JSON has no NaN; "unknown" is what a NaN finding means to the KB),
tensors become the mean of their values, anything else that is not a number becomes its text.
Torch-free: a tensor is recognised by its methods, so importing this never imports torch.
"""
from __future__ import annotations

import math


def finite(v):
    """A float, or None when it is NaN or infinite."""
    return v if v is None or math.isfinite(v) else None


def plain(v):
    """One value as None, bool, int, str or a finite float."""
    if hasattr(v, "detach") and hasattr(v, "numel"):  # a tensor
        v = v.detach().float().mean().item() if v.numel() else None
    if isinstance(v, float):
        return finite(v)
    if v is None or isinstance(v, (bool, int, str)):
        return v
    try:
        return finite(float(v))
    except (TypeError, ValueError):
        return str(v)


def clean(v):
    """Dicts, lists and tuples with every float made finite-or-None (for ``json.dumps(allow_nan=False)``)."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    return finite(v) if isinstance(v, float) else v
