"""Leave no trace: every registered probe, run through run_probe, gives the user's objects back as they were.

Checked after each probe, on three subjects (an MLP with dropout and an Adam instance with state, a
CNN with batch norm in eval mode and a frozen layer, a subject with its own train_step and an
optimizer factory): parameters, buffers and gradients bitwise, parameter objects, training and
requires_grad flags, the optimizer's state_dict, the RNGs of Python, NumPy and torch and the data
loaders' own generators, grad mode, and hooks on modules, on the optimizer and global ones.  Probes
that fail (stubs, crashes) must restore too; a probe that vandalises everything and raises, as well.
"""
import copy
import random
import types

import numpy as np
import pytest
import torch
import torch.nn.modules.module as module_globals
import torch.optim.optimizer as optimizer_globals
from torch import nn

from dldoctor.expert.subject import Subject
from zoo.context import ctx
from zoo.data import digits, loader
from zoo.models import cnn, mlp
from zoo.steps import textbook_step
from dldoctor.probes import registry
from dldoctor.probes.run import run_probe


# small on purpose: every probe runs on each subject
def mlp_with_adam_state():
    model = mlp(hidden=16, dropout=0.2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    x, y = digits(128)
    textbook_step(model, (x[:32], y[:32]), opt, nn.CrossEntropyLoss())  # state and grads exist
    return Subject(model=model, train_data=loader(x, y, 32, shuffle=True), loss_fn=nn.CrossEntropyLoss(),
                   optimizer=opt, val_data=loader(*digits(64), 32, shuffle=False))


def cnn_in_eval_mode():
    model = cnn(batchnorm=True, width=4)
    model[0].weight.requires_grad_(False)
    model.eval()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
    x, y = digits(128, images=True)
    return Subject(model=model, train_data=loader(x, y, 32, shuffle=True), loss_fn=nn.CrossEntropyLoss(), optimizer=opt)


def own_step_and_factory():
    model = mlp(hidden=16, dropout=0.1)
    x, y = digits(128)
    return Subject(model=model, train_data=loader(x, y, 32, shuffle=False), loss_fn=nn.CrossEntropyLoss(),
                   optimizer=lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), train_step=textbook_step,
                   val_data=loader(*digits(64), 32, shuffle=False), test_data=loader(*digits(64), 32, shuffle=False),
                   history={"train_loss": [2.0, 1.5, 1.2, 1.0], "val_loss": [2.0, 1.6, 1.4, 1.3]}, target_error=0.02)


SUBJECTS = {"mlp-adam": mlp_with_adam_state, "cnn-eval": cnn_in_eval_mode, "own-step": own_step_and_factory}


def _hooks(obj) -> dict:
    return {k: list(v.keys()) for k, v in vars(obj).items() if "hook" in k and isinstance(v, dict)}


def _generators(subject) -> list:
    out = []
    for data in (subject.train_data, subject.val_data, subject.test_data):
        for g in (getattr(data, "generator", None), getattr(getattr(data, "sampler", None), "generator", None)):
            if isinstance(g, torch.Generator):
                out.append(g.get_state())
    return out


def state(subject) -> dict:
    """Everything a probe could leave changed, as plain comparable copies."""
    model = subject.model
    opt = subject.optimizer if isinstance(subject.optimizer, torch.optim.Optimizer) else None
    globals_ = {n: list(getattr(m, n).keys()) for m in (module_globals, optimizer_globals)
                for n in dir(m) if n.startswith("_global") and isinstance(getattr(m, n), dict)}
    return {
        "params": {n: p.detach().clone() for n, p in model.named_parameters()},
        "param_ids": {n: id(p) for n, p in model.named_parameters()},
        "grads": {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()},
        "requires_grad": {n: p.requires_grad for n, p in model.named_parameters()},
        "buffers": {n: b.clone() for n, b in model.named_buffers()},
        "training": {n: m.training for n, m in model.named_modules()},
        "module_hooks": {n: _hooks(m) for n, m in model.named_modules()},
        "optimizer": copy.deepcopy(opt.state_dict()) if opt else None,
        "optimizer_hooks": _hooks(opt) if opt else None,
        "global_hooks": globals_,
        "rng": (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state()),
        "loader_rng": _generators(subject),
        "grad_mode": torch.is_grad_enabled(),
    }


def assert_same(a, b, path="state"):
    if torch.is_tensor(a):
        assert torch.is_tensor(b) and a.dtype == b.dtype and a.shape == b.shape, path
        assert torch.equal(a, b), f"{path} changed"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{path} length"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), f"{path} changed"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("name", SUBJECTS)
def test_every_probe_leaves_no_trace(name):
    subject = SUBJECTS[name]()
    before = state(subject)
    statuses = {}
    for pid in registry.PROBE_MODULES:
        out = run_probe(pid, subject, ctx())
        statuses[pid] = out.status
        assert_same(before, state(subject), f"after {pid} ({out.status}: {out.message})")
    assert set(statuses.values()) <= {"ok", "not-measured", "skipped", "failed"}


def vandal(subject, ctx):
    """Changes everything it can reach, then fails midway."""
    model, opt = subject.model, subject.optimizer
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
            p.grad = torch.ones_like(p)
        for b in model.buffers():
            b.add_(1)
    model.train() if not model.training else model.eval()
    next(model.parameters()).requires_grad_(False)
    first = next(model.children())
    first.bias = nn.Parameter(torch.zeros_like(first.bias))  # a parameter object replaced
    model.register_forward_hook(lambda *a: None)
    next(model.children()).register_forward_pre_hook(lambda *a: None, with_kwargs=True)
    model.register_full_backward_hook(lambda *a: None)
    nn.modules.module.register_module_forward_hook(lambda *a: None)
    if isinstance(opt, torch.optim.Optimizer):
        opt.register_step_pre_hook(lambda *a: None)
        for g in opt.param_groups:
            g["lr"] = 0.0
        opt.state[next(iter(opt.param_groups[0]["params"]))]["junk"] = torch.zeros(3)
    random.random(), np.random.rand(), torch.rand(1)
    next(iter(subject.train_data))  # advances a shuffling loader's generator
    torch.set_grad_enabled(False)
    raise RuntimeError("probe broke midway")


@pytest.mark.parametrize("name", SUBJECTS)
def test_a_probe_that_raises_midway_is_undone(name, monkeypatch):
    subject = SUBJECTS[name]()
    before = state(subject)
    real = registry.module
    monkeypatch.setattr(registry, "module", lambda pid: types.SimpleNamespace(measure=vandal) if pid == "grad-flow" else real(pid))
    out = run_probe("grad-flow", subject, ctx())
    assert out.status == "failed" and "probe broke midway" in out.message
    assert_same(before, state(subject))
