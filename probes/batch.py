"""Batches as the ecosystem makes them: split into inputs, targets and extras, and rebuilt unchanged.

A batch is ``(inputs, targets)``, ``(inputs, targets, *extra)`` (sample weights, masks: kept for the
user's ``train_step``), or a dict as Hugging Face collators make it (the targets under ``target_key``,
default ``"labels"``; the inputs are every other key, or only ``input_keys`` when the subject names
them, the rest kept as extras).  ``split`` returns a ``Pair``: a 2-tuple ``(inputs, targets)`` (so
``x, y = pair`` works everywhere) that remembers the batch's own shape; ``rebuild`` gives the batch
back as the user's loader made it, with the inputs and targets the probe holds (moved, sliced).

``data_array`` turns inputs into one row of numbers per sample for the data probes; dict inputs with
token ids (``input_ids``, or the one integer matrix) are read as ``Tokens`` with their attention mask.
"""
from __future__ import annotations

from typing import NamedTuple

TARGET_KEY = "labels"
TOKEN_KEYS = ("input_ids", "ids", "tokens", "token_ids")
MASK_KEYS = ("attention_mask", "mask", "padding_mask")


class Keys(NamedTuple):
    target: str = TARGET_KEY
    inputs: tuple | None = None  # None: every key but the target


def keys_of(subject) -> Keys:
    if subject is None:
        return Keys()
    inputs = getattr(subject, "input_keys", None)
    return Keys(getattr(subject, "target_key", None) or TARGET_KEY, tuple(inputs) if inputs else None)


class Pair(tuple):
    """``(inputs, targets)`` of one batch, with the extras and the form needed to rebuild it."""

    def __new__(cls, inputs, targets, extras=(), form="tuple", key: str = TARGET_KEY):
        self = super().__new__(cls, (inputs, targets))
        self.extras, self.form, self.key = extras, form, key
        return self

    @property
    def inputs(self):
        return self[0]

    @property
    def targets(self):
        return self[1]

    def replace(self, inputs=None, targets=None, extras=None) -> "Pair":
        return Pair(self[0] if inputs is None else inputs, self[1] if targets is None else targets,
                    self.extras if extras is None else extras, self.form, self.key)

    def head(self, n: int) -> "Pair":
        """The first ``n`` samples: every tensor (inputs, targets, extras) with a leading batch
        dimension of the batch's size is cut; a batch of ``n`` or fewer comes back as is."""
        size = _size(self[1])
        if size is None or size <= n:
            return self
        cut = lambda v: _cut(v, n, size)  # noqa: E731
        return Pair(cut(self[0]), cut(self[1]), cut(self.extras), self.form, self.key)

    def rebuild(self):
        """The batch in the user's own form (what their ``train_step`` receives)."""
        inputs, targets = self
        if self.form == "dict":
            out = dict(inputs) if isinstance(inputs, dict) else {"inputs": inputs}
            out[self.key] = targets
            out.update(self.extras)
            return out
        if self.form == "list":
            return [inputs, targets, *self.extras]
        return (inputs, targets, *self.extras)


def _size(v) -> int | None:
    shape = getattr(v, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) > 0 else None


def _cut(v, n: int, size: int):
    if isinstance(v, dict):
        return {k: _cut(x, n, size) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return type(v)(_cut(x, n, size) for x in v)
    return v[:n] if _size(v) == size else v


class BatchError(TypeError):
    """A batch of a shape no probe can read; ``str()`` names what is wrong."""


def split(batch, keys: Keys | None = None) -> Pair:
    keys = keys or Keys()
    if isinstance(batch, Pair):
        return batch
    if isinstance(batch, dict) or _mapping(batch):
        batch = dict(batch)
        if keys.target not in batch:
            raise BatchError(f"a dict batch has no target key '{keys.target}' (keys: {', '.join(map(str, list(batch)[:6]))}); "
                             "name the key holding the targets with 'target_key'")
        rest = {k: v for k, v in batch.items() if k != keys.target}
        if keys.inputs is not None:
            missing = [k for k in keys.inputs if k not in rest]
            if missing:
                raise BatchError(f"a dict batch has no input key '{missing[0]}' named in 'input_keys'")
            inputs = {k: rest[k] for k in keys.inputs}
            extras = {k: v for k, v in rest.items() if k not in inputs}
        else:
            inputs, extras = rest, {}
        return Pair(inputs, batch[keys.target], extras, "dict", keys.target)
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return Pair(batch[0], batch[1], tuple(batch[2:]), "list" if isinstance(batch, list) else "tuple")
    raise BatchError(f"a batch must be (inputs, targets) or a dict with the targets under '{keys.target}', "
                     f"got {type(batch).__name__}")


def _mapping(batch) -> bool:
    """Hugging Face's BatchEncoding and other Mapping types that are not dicts."""
    from collections.abc import Mapping

    return isinstance(batch, Mapping)


class Tokens(NamedTuple):
    """Token-id inputs: ids (n, length) int64 and a 0/1 mask of the real (non-padding) tokens."""

    ids: "object"
    mask: "object"


def token_inputs(inputs) -> Tokens | None:
    """The token ids of dict inputs (``input_ids`` or the one integer matrix) with their attention
    mask, as numpy arrays; None for inputs that are not token ids."""
    import numpy as np

    from dldoctor.probes.dataset import as_array

    if not isinstance(inputs, dict):
        return None
    name = next((k for k in TOKEN_KEYS if k in inputs), None)
    if name is None:
        ints = [k for k, v in inputs.items() if k not in MASK_KEYS and _integer_matrix(v)]
        name = ints[0] if len(ints) == 1 else None
    if name is None or not _integer_matrix(inputs[name]):
        return None
    ids = as_array(inputs[name], "input ids").astype(np.int64)
    mask_key = next((k for k in MASK_KEYS if k in inputs), None)
    mask = as_array(inputs[mask_key], "attention mask").reshape(ids.shape) != 0 if mask_key else np.ones(ids.shape, bool)
    return Tokens(ids, mask)


def _integer_matrix(v) -> bool:
    dtype = getattr(v, "dtype", None)
    kind = getattr(dtype, "kind", None)  # numpy
    if kind is None and dtype is not None:  # torch
        kind = "f" if getattr(dtype, "is_floating_point", True) else "i"
    return kind in ("i", "u") and len(getattr(v, "shape", ())) == 2


def data_array(inputs):
    """Inputs as a numpy array with one leading row per sample: a tensor or array as is, dict or
    tuple inputs as their flattened parts side by side (token ids are read with ``token_inputs``)."""
    import numpy as np

    from dldoctor.probes.dataset import DataUnreadable, as_array

    if isinstance(inputs, dict):
        parts = [as_array(v, f"inputs['{k}']") for k, v in inputs.items()]
    elif isinstance(inputs, (tuple, list)) and inputs and all(hasattr(v, "shape") for v in inputs):
        parts = [as_array(v, "inputs") for v in inputs]
    else:
        return as_array(inputs, "inputs")
    if not parts or any(p.ndim == 0 for p in parts) or len({len(p) for p in parts}) != 1:
        raise DataUnreadable("the input parts do not hold one row per sample each")
    return np.concatenate([p.reshape(len(p), -1).astype(np.float32, copy=False) for p in parts], axis=1)
