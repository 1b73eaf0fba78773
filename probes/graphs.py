"""What autograd keeps in memory: tensors saved for backward, and graphs that stay alive.

Probe support for ``memory`` (imported inside ``measure``): bytes are counted per storage, so views
and tensors saved twice count once.
"""
from __future__ import annotations

import gc
import weakref

import torch
from torch.overrides import TorchFunctionMode


def storage_key(t: torch.Tensor):
    s = t.untyped_storage()
    return (t.device.type, t.device.index, s.data_ptr())


def storage_bytes(tensors, exclude=()) -> int:
    """Bytes of the distinct storages behind ``tensors``, leaving out those of ``exclude``."""
    skip = {storage_key(t) for t in exclude}
    seen = {}
    for t in tensors:
        key = storage_key(t)
        if key not in skip and t.untyped_storage().nbytes():
            seen[key] = t.untyped_storage().nbytes()
    return sum(seen.values())


class SavedTensors:
    """Context manager recording the distinct storages autograd saves for backward."""

    def __init__(self, exclude=()):
        self.skip = {storage_key(t) for t in exclude}
        self.storages: dict = {}

    def _pack(self, t):
        key = storage_key(t)
        if key not in self.skip:
            self.storages[key] = t.untyped_storage().nbytes()
        return t.detach()  # the tensor itself would tie its graph into a cycle gc cannot see

    def __enter__(self):
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)
        return False

    @property
    def nbytes(self) -> int:
        return sum(self.storages.values())


class NewGraphs:
    """Context manager that counts the autograd graphs kept alive by tensors that torch operations
    returned inside ``recording()``.

    While recording, a ``TorchFunctionMode`` notes (weakly) every tensor an operation hands back to
    Python code with a ``grad_fn``: the new ones, and old ones that took a graph in place (``total
    += loss`` on a tensor returns that tensor).  User code can only keep what an operation handed
    back, so these are the roots of any graph it keeps; no scan of the heap (a few hundred thousand
    objects once torch is imported: ~0.1 s per scan) is needed.  The mode costs a few microseconds
    per operation while recording.  Every Python object is moved to gc's permanent generation
    (``gc.freeze``) on entry, so the collection before each count sees only new objects: cheap, even
    in a large process; ``gc.unfreeze`` on exit puts them back.  When the program had frozen
    objects itself, its freeze is left alone (and collections walk the whole heap).
    """

    def __enter__(self):
        self.refs: list = []
        self.freezing = gc.get_freeze_count() == 0
        if self.freezing:
            gc.freeze()
        return self

    def __exit__(self, *exc):
        if self.freezing:
            gc.unfreeze()
        return False

    def recording(self):
        """Context manager: note the tensors with a graph that operations return inside it."""
        return _Recorder(self.refs)

    def count(self, max_nodes: int) -> tuple[int, int, int]:
        """(live tensors holding a graph, graph nodes reachable from them, bytes of those tensors and
        of what their graphs still save, parameters left out), after a collection."""
        gc.collect()
        live = {}
        for ref in self.refs:
            t = ref()
            if t is not None and t.grad_fn is not None:
                live[id(t)] = (ref, t)
        self.refs[:] = [ref for ref, _ in live.values()]  # drop the dead, keep each tensor once
        roots = [t for _, t in live.values()]
        saved, nodes, stack, leaves = list(roots), set(), [t.grad_fn for t in roots], []
        while stack and len(nodes) < max_nodes:
            node = stack.pop()
            if node is None or node in nodes:
                continue
            nodes.add(node)
            variable = getattr(node, "variable", None)  # AccumulateGrad: the leaf (a parameter)
            if torch.is_tensor(variable):
                leaves.append(variable)
            saved.extend(_saved(node))
            stack.extend(fn for fn, _ in node.next_functions)
        return len(roots), len(nodes), storage_bytes(saved, exclude=leaves)


class _Recorder(TorchFunctionMode):
    """Weak references to the tensors with a grad_fn that torch operations return (inside the
    handler the mode is off, so the operations an operation makes itself are not seen: only what
    reaches Python code)."""

    def __init__(self, refs: list):
        super().__init__()
        self.refs = refs

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor) and t.grad_fn is not None:
                self.refs.append(weakref.ref(t))
        return out


def _saved(node) -> list:
    out = []
    for attr in dir(node):
        if not attr.startswith("_saved_"):
            continue
        try:
            value = getattr(node, attr)
        except RuntimeError:  # freed by an earlier backward
            continue
        if torch.is_tensor(value):
            out.append(value)
        elif isinstance(value, (tuple, list)):
            out.extend(v for v in value if torch.is_tensor(v))
    return out
