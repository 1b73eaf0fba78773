"""Leave no trace: save everything a probe could change on the user's objects, and put it back.

``preserved(subject)`` restores, even when the probe raises: parameter and buffer values (in place,
so the optimizer keeps pointing at the same tensors) and the parameter objects themselves, gradients,
every module's ``training`` flag, ``requires_grad`` flags, the optimizer's state and
hyper-parameters, the RNG states of Python, NumPy and torch (CPU and CUDA) and of the data loaders'
own generators (a shuffling loader draws from it), grad mode and the working directory.  It also
removes any hook a probe left on the model's modules, on the optimizer, or in torch's global
module/optimizer hook tables.
"""
from __future__ import annotations

import copy
import os
import random
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.modules.module as _module_globals
import torch.optim.optimizer as _optimizer_globals


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


@contextmanager
def rng_preserved(*loaders):
    """Every random state that reading ``loaders`` (or running anything) can draw from, put back after:
    Python's, NumPy's, torch's (CPU and CUDA) and the loaders' own generators."""
    rng = _rng_state()
    generators = [(g, g.get_state()) for g in loader_generators(*loaders)]
    try:
        yield
    finally:
        _set_rng_state(rng)
        for g, state in generators:
            g.set_state(state)


def loader_generators(*loaders) -> list:
    """The distinct ``torch.Generator``s that iterating these loaders draws from (a DataLoader's own,
    its sampler's, its batch sampler's sampler's)."""
    found = {}
    for data in loaders:
        sampler = getattr(data, "sampler", None)
        batch_sampler = getattr(data, "batch_sampler", None)
        for owner in (data, sampler, getattr(batch_sampler, "sampler", None)):
            g = getattr(owner, "generator", None) if owner is not None else None
            if isinstance(g, torch.Generator):
                found[id(g)] = g
    return list(found.values())


def _hook_tables(obj) -> dict:
    """name -> the dict of hooks, for every hook table an object holds (``_forward_hooks``,
    ``_forward_hooks_with_kwargs``, ``_optimizer_step_pre_hooks``...)."""
    return {k: v for k, v in vars(obj).items() if "hooks" in k and isinstance(v, dict)}


def _global_hook_tables() -> dict:
    return {(m.__name__, n): getattr(m, n) for m in (_module_globals, _optimizer_globals)
            for n in dir(m) if n.startswith("_global") and "hooks" in n and isinstance(getattr(m, n), dict)}


class _Hooks:
    """The keys of hook tables at one moment; ``remove_new`` deletes every entry added since."""

    def __init__(self, owners):
        self.tables = [(t, set(t.keys())) for o in owners for t in _hook_tables(o).values()]
        self.tables += [(t, set(t.keys())) for t in _global_hook_tables().values()]

    def remove_new(self) -> None:
        for table, keys in self.tables:
            for k in [k for k in table if k not in keys]:
                del table[k]


class State:
    """A full copy of what a probe could change."""

    def __init__(self, model: torch.nn.Module, optimizer=None, data=()):
        self.model = model
        self.optimizer = optimizer if isinstance(optimizer, torch.optim.Optimizer) else None
        # A lazy module's uninitialized parameters have no values to copy; the first forward pass
        # materializes them (as the user's own first step would) and that cannot be undone in place.
        ready = [(n, p) for n, p in model.named_parameters() if not isinstance(p, torch.nn.parameter.UninitializedParameter)]
        with torch.no_grad():
            self.params = {n: p.detach().clone() for n, p in ready}
            self.grads = {n: (None if p.grad is None else p.grad.detach().clone()) for n, p in ready}
            self.requires_grad = {n: p.requires_grad for n, p in model.named_parameters()}
            self.buffers = {n: (None if b is None or isinstance(b, torch.nn.parameter.UninitializedBuffer) else b.detach().clone())
                            for n, b in model.named_buffers()}
        self.modules = dict(model.named_modules())
        self.param_objects = {(n, k): p for n, m in self.modules.items() for k, p in m._parameters.items()}
        self.training = {n: m.training for n, m in self.modules.items()}
        self.hooks = _Hooks(list(self.modules.values()) + ([self.optimizer] if self.optimizer else []))
        self.rng = _rng_state()
        self.generators = [(g, g.get_state()) for g in loader_generators(*data)]
        self.grad_mode = torch.is_grad_enabled()
        self.cwd = os.getcwd()  # the user's code may chdir()
        self.opt_state = copy.deepcopy(self.optimizer.state_dict()) if self.optimizer is not None else None

    def restore(self) -> None:
        model = self.model
        torch.set_grad_enabled(self.grad_mode)
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)
        for (n, k), p in self.param_objects.items():
            if self.modules[n]._parameters.get(k) is not p:
                self.modules[n]._parameters[k] = p
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n in self.params and p.shape == self.params[n].shape:
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
        self.hooks.remove_new()
        if self.optimizer is not None:
            self.optimizer.load_state_dict(copy.deepcopy(self.opt_state))
            if not self.opt_state["state"]:
                self.optimizer.state.clear()
        _set_rng_state(self.rng)
        for g, s in self.generators:
            g.set_state(s)


@contextmanager
def preserved(subject):
    """Run a probe on the subject's real objects; afterwards they are exactly as before."""
    state = State(subject.model, subject.optimizer, (subject.train_data, subject.val_data, subject.test_data))
    try:
        yield state
    finally:
        state.restore()
