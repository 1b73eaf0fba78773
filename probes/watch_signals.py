"""What the watch measures beyond curves and per-layer norms: the first batches' inputs and outputs,
and whether the gradients were reset between optimizer steps.  Each costs nothing after the first
batches, or one norm on a record step.

- ``FirstBatches``: mean, std, min and max of the first ``FIRST`` batches' model inputs (the
  watch's forward pre-hook) and, of their outputs (a forward hook removed after them), the width,
  min, max and the largest distance of a row sum from 1 (outputs that are already probabilities).
- ``GradCarry``: on a record step, the norm of one weight's ``.grad`` at ``optimizer.step`` over
  the sum of the norms of the gradients that backward brought it since the previous step.  By the
  triangle inequality this is at most 1 when ``.grad`` was reset after the previous step (however
  many micro-batches are accumulated, and clipping or a GradScaler's unscaling only lowers it);
  above 1, ``.grad`` still held older gradients: ``zero_grad`` is missing.
"""
from __future__ import annotations

import time

import torch

FIRST = 3  # batches whose inputs and outputs are described


def _first_tensor(obj):
    if torch.is_tensor(obj):
        return obj
    if isinstance(obj, (list, tuple)) and obj:
        return _first_tensor(obj[0])
    if isinstance(obj, dict) and obj:
        return _first_tensor(next(iter(obj.values())))
    return None


class FirstBatches:
    def __init__(self, model: torch.nn.Module):
        self.inputs: list[dict] = []
        self.outputs: list[dict] = []
        self._in_left = self._out_left = FIRST
        self._hook = model.register_forward_hook(self._on_output)

    @property
    def watching_inputs(self) -> bool:
        return self._in_left > 0

    def on_input(self, args) -> None:
        self._in_left -= 1
        x = _first_tensor(args)
        if x is None or not x.numel():
            return
        row = {"dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape)}
        if not x.is_complex() and x.dtype != torch.bool:
            v = x.detach().float()
            std, mean = torch.std_mean(v) if v.numel() > 1 else (torch.zeros(()), v.reshape(()))
            row.update(zip(("mean", "std", "min", "max"), torch.stack([mean, std, v.min(), v.max()]).tolist()))
        self.inputs.append(row)

    def _on_output(self, module, args, output) -> None:
        self._out_left -= 1
        if self._out_left <= 0:
            self.close()
        y = _first_tensor(output)
        if y is None or not y.is_floating_point() or y.dim() != 2 or y.shape[1] < 1 or not y.numel():
            return
        v = y.detach().float()
        stats = torch.stack([v.min(), v.max(), (v.sum(1) - 1).abs().max()]).tolist()
        self.outputs.append({"width": int(y.shape[1]), "min": stats[0], "max": stats[1], "rowsum_dev": stats[2]})

    def take(self) -> dict:
        out = {}
        if self.inputs:
            out["inputs"], self.inputs = self.inputs, []
        if self.outputs:
            out["outputs"], self.outputs = self.outputs, []
        return out

    def close(self) -> None:
        if self._hook is not None:
            self._hook.remove()
            self._hook = None


class GradCarry:
    def __init__(self, param: torch.Tensor):
        self.param, self._handle, self._incoming, self.value = param, None, None, None
        self.spent = 0.0  # seconds in its gradient hook, for the watch's pace

    def arm(self) -> None:
        """Watch the gradients backward brings the parameter until the next ``at_step``."""
        if self._handle is None:
            self._incoming = None
            self._handle = self.param.register_hook(self._on_grad)

    def _on_grad(self, g) -> None:
        t = time.perf_counter()
        n = torch.linalg.vector_norm(g.detach(), dtype=torch.float32)
        self._incoming = n if self._incoming is None else self._incoming + n
        self.spent += time.perf_counter() - t

    def at_step(self) -> None:
        """At ``optimizer.step``: the ratio's two norms (tensors, no host sync) for the record step."""
        if self._handle is None:
            return
        self._handle.remove()
        self._handle = None
        g = self.param.grad
        if self._incoming is not None and g is not None and not g.is_sparse:
            self.value = (torch.linalg.vector_norm(g.detach(), dtype=torch.float32), self._incoming)

    def take(self):
        """(|.grad| at the step, the sum of the incoming norms) as 0-d tensors, or None."""
        v, self.value = self.value, None
        return v

    @staticmethod
    def ratio(at_step: float, incoming: float) -> float:
        return at_step / max(incoming, 1e-30)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
