"""Leave no trace: save everything a probe could change on the user's objects, and put it back.

``preserved(subject)`` restores, even when the probe raises: parameter and buffer values (in place,
so the optimizer keeps pointing at the same tensors), gradients, every module's ``training`` flag,
``requires_grad`` flags, the optimizer's state and hyper-parameters, and the RNG states of Python,
NumPy and torch (CPU and CUDA).  It also removes any hook a probe left on the model.
"""
from __future__ import annotations

import copy
import random
from contextlib import contextmanager

import numpy as np
import torch


def _rng_state():
    return (
        random.getstate(),
        np.random.get_state(),
        torch.get_rng_state(),
        torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    )


def _set_rng_state(state) -> None:
    py, npy, cpu, cuda = state
    random.setstate(py)
    np.random.set_state(npy)
    torch.set_rng_state(cpu)
    if cuda is not None:
        torch.cuda.set_rng_state_all(cuda)


def _hook_counts(model: torch.nn.Module) -> dict:
    attrs = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks", "_state_dict_hooks")
    return {(name, a): set(getattr(m, a, {}).keys()) for name, m in model.named_modules() for a in attrs}


def _remove_new_hooks(model: torch.nn.Module, before: dict) -> None:
    for name, m in model.named_modules():
        for (mname, attr), keys in before.items():
            if mname != name:
                continue
            d = getattr(m, attr, None)
            if d is None:
                continue
            for k in list(d.keys()):
                if k not in keys:
                    del d[k]


class State:
    """A full copy of what a probe could change."""

    def __init__(self, model: torch.nn.Module, optimizer=None):
        self.model = model
        self.optimizer = optimizer if isinstance(optimizer, torch.optim.Optimizer) else None
        with torch.no_grad():
            self.params = {n: p.detach().clone() for n, p in model.named_parameters()}
            self.grads = {n: (None if p.grad is None else p.grad.detach().clone()) for n, p in model.named_parameters()}
            self.requires_grad = {n: p.requires_grad for n, p in model.named_parameters()}
            self.buffers = {n: (None if b is None else b.detach().clone()) for n, b in model.named_buffers()}
        self.training = {n: m.training for n, m in model.named_modules()}
        self.hooks = _hook_counts(model)
        self.rng = _rng_state()
        self.opt_state = copy.deepcopy(self.optimizer.state_dict()) if self.optimizer is not None else None

    def restore(self) -> None:
        model = self.model
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n in self.params:
                    p.copy_(self.params[n])
                    p.requires_grad_(self.requires_grad[n])
                    g = self.grads[n]
                    p.grad = None if g is None else g.clone()
            for n, b in model.named_buffers():
                saved = self.buffers.get(n)
                if saved is not None and b is not None:
                    b.copy_(saved)
        for n, m in model.named_modules():
            if n in self.training:
                m.training = self.training[n]
        _remove_new_hooks(model, self.hooks)
        if self.optimizer is not None:
            self.optimizer.load_state_dict(copy.deepcopy(self.opt_state))
            if not self.opt_state["state"]:
                self.optimizer.state.clear()
        _set_rng_state(self.rng)


@contextmanager
def preserved(subject):
    """Run a probe on the subject's real objects; afterwards they are exactly as before."""
    state = State(subject.model, subject.optimizer)
    try:
        yield state
    finally:
        state.restore()
