"""The watch's per-layer numbers on a record step, batched: a fixed number of tensor operations and
one host transfer whatever the number of layers.

- gradient norms of every trainable parameter;
- update-to-weight ratios: a copy of each layer's fixed sample (``layer_sample.sample``, at most
  4096 weights) just before that step's ``optimizer.step``, then the norms of the weights and of
  their change;
- dead ReLU units: a forward hook on each ReLU keeps the per-unit maximum of its output (one
  ``amax``); a unit is dead when its maximum is <= 0.

All norms come from one ``torch._foreach_norm`` call (a count of dead units is the squared norm of
its 0/1 flags), so a record step costs about a dozen operations, not a few per layer.  ``spent``
adds up the seconds the hooks took, for the watch's pace (probes/watch_pace.py).
"""
from __future__ import annotations

import math
import time

import torch
from torch import nn

from dldoctor.probes.json_value import finite as _finite
from dldoctor.probes.layer_sample import sample as _sample

ACTIVATIONS = (nn.ReLU, nn.ReLU6)
_clock = time.perf_counter


class LayerProbe:
    def __init__(self, model: nn.Module, params: list, names: list):
        self.params, self.names = params, names
        weights = [i for i, p in enumerate(params) if p.dim() >= 2]
        self.weights = weights or list(range(len(params)))  # the update ratio's median is over weights
        self._first_last = (weights[0], weights[-1]) if len(weights) >= 2 else None
        self._samples = [_sample(p) for p in params]
        self.relus = [(n, m) for n, m in model.named_modules() if isinstance(m, ACTIVATIONS)]
        self.device = params[0].device if params else torch.device("cpu")
        self.spent = 0.0
        self.hooks: list = []
        self._dead: dict = {}
        self._snapshot = None

    # ------------------------------------------------------------ hooks (record steps only)

    def arm(self) -> None:
        if not self.hooks:
            self.hooks = [m.register_forward_hook(self._relu_hook(i)) for i, (_, m) in enumerate(self.relus)]

    def disarm(self) -> None:
        for h in self.hooks:
            h.remove()
        self.hooks = []

    def _relu_hook(self, i: int):
        def hook(module, inputs, output):
            t = _clock()
            if torch.is_tensor(output) and output.dim() >= 2 and output.numel():
                dims = (0, *range(2, output.dim())) if output.dim() > 2 else 0  # a unit: a feature or a channel
                self._dead[i] = output.detach().amax(dim=dims)
            self.spent += _clock() - t
        return hook

    def before_step(self) -> None:
        """At ``optimizer.step``: a copy of the sampled weights, for the update it makes."""
        if self._snapshot is None and self._samples:
            self._snapshot = torch._foreach_mul(self._samples, 1)

    # ------------------------------------------------------------ one record step

    def tensors(self) -> tuple[list, dict]:
        """(0-d tensors of every per-layer number, their layout), without a host sync."""
        idx = [i for i, p in enumerate(self.params) if p.grad is not None and not p.grad.is_sparse]
        tensors = [self.params[i].grad for i in idx]
        layout = {"grad": idx, "update": 0, "dead": sorted(self._dead)}
        if self._snapshot is not None:
            before = self._snapshot
            tensors += before
            tensors += torch._foreach_sub(self._samples, before)
            layout["update"] = len(before)
        if layout["dead"]:
            units = [self._dead[i] for i in layout["dead"]]
            layout["units"] = [u.numel() for u in units]
            try:
                flags = torch.cat(units).le(0).float()
            except RuntimeError:  # ReLUs on several devices
                flags = torch.cat([u.to(self.device) for u in units]).le(0).float()
            tensors += flags.split(layout["units"])
        self._snapshot, self._dead = None, {}
        if not tensors:
            return [], layout
        try:
            return list(torch._foreach_norm(tensors, 2, dtype=torch.float32)), layout
        except (RuntimeError, TypeError):  # mixed layouts or an older signature: one by one
            return [torch.linalg.vector_norm(t, dtype=torch.float32) for t in tensors], layout

    def values(self, flat: list, layout: dict, skipped: bool) -> dict:
        """The row's per-layer fields from the host values of ``tensors`` (``skipped``: no optimizer step ran)."""
        n_g, n_u = len(layout["grad"]), layout["update"]
        grads = [None] * len(self.params)
        for i, v in zip(layout["grad"], flat):
            grads[i] = v
        out = {"recorded": True, "grad_norms": [_finite(v) for v in grads]}
        present = flat[:n_g]
        bad = any(not math.isfinite(v) for v in present)
        out["nonfinite_grad"] = bad
        if bad:  # where it first shows: the layers, in the model's order
            out["nonfinite_layers"] = [self.names[i] for i, v in enumerate(grads) if v is not None and not math.isfinite(v)]
            if skipped:
                out["nonfinite_grad"], out["skipped_step"] = False, True  # a GradScaler skipped the step: AMP at work
        out["grad_norm"] = _finite(math.sqrt(sum(v * v for v in present))) if present and not out["nonfinite_grad"] else None
        if self._first_last and grads[self._first_last[0]] is not None and grads[self._first_last[1]] is not None:
            a, b = (grads[i] / math.sqrt(self.params[i].numel()) for i in self._first_last)
            out["first_last_grad_ratio"] = _finite(a / b) if b > 0 else None
        if n_u:
            w, d = flat[n_g:n_g + n_u], flat[n_g + n_u:n_g + 2 * n_u]  # norms of the weights and of their update
            ratios = [_finite(dv / wv) if wv > 0 else None for wv, dv in zip(w, d)]
            nonfinite = [self.names[i] for i, wv in enumerate(w) if not math.isfinite(wv)]
            if nonfinite:
                out["nonfinite_weights"] = nonfinite
            out["update_ratios"] = ratios
            known = sorted(ratios[i] for i in self.weights if ratios[i] is not None)
            out["update_ratio"] = known[len(known) // 2] if known else None
        if layout["dead"]:
            counts = flat[n_g + 2 * n_u:]  # norms of 0/1 flags: the square roots of the dead units' counts
            fracs = [round(c * c) / n for c, n in zip(counts, layout["units"])]
            out["dead_fracs"] = {self.relus[i][0]: f for i, f in zip(layout["dead"], fracs)}
            out["dead_frac"] = max(fracs)
        return out
