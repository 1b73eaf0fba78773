"""What autograd keeps in memory: tensors saved for backward, and graphs that stay alive.

Probe support for ``memory`` (imported inside ``measure``): bytes are counted per storage, so views
and tensors saved twice count once.
"""
from __future__ import annotations

import gc
import weakref

import torch


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
    """Context manager that counts the autograd graphs kept alive by objects made inside it.

    On entry the tensors that exist are noted (weakly: an old tensor can take a graph later, as in
    ``total += loss``) and every Python object is moved to gc's permanent generation (``gc.freeze``),
    so later collections and scans see only new objects: cheap, even in a large process.
    ``gc.unfreeze`` on exit puts them back.  When the program had frozen objects itself, its freeze
    is left alone and every object is scanned each time.
    """

    def __enter__(self):
        self.freezing = gc.get_freeze_count() == 0
        self.old = [weakref.ref(o) for o in gc.get_objects() if issubclass(type(o), torch.Tensor)] if self.freezing else []
        if self.freezing:
            gc.freeze()
        return self

    def __exit__(self, *exc):
        if self.freezing:
            gc.unfreeze()
        return False

    def count(self, max_nodes: int) -> tuple[int, int, int]:
        """(live tensors holding a graph, graph nodes reachable from them, bytes of those tensors and
        of what their graphs still save, parameters left out), after a collection."""
        gc.collect()
        old = [r() for r in self.old]
        scanned = [o for o in gc.get_objects() if issubclass(type(o), torch.Tensor)]
        roots = [t for t in scanned + old if t is not None and t.grad_fn is not None]
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
