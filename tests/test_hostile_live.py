"""Live subjects (the Python API, probes in this process): a whole diagnosis leaves no trace, and a
model that never returns is stopped by the watchdog.

After ``diagnose(subject)`` the model's parameters, buffers, gradients, training flags, the optimizer's
state, the RNG states of Python, NumPy and torch and the working directory are what they were, even
when the user's own code changes the working directory.
"""
from __future__ import annotations

import copy
import os
import random
import time

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dldoctor.expert.diagnosis import diagnose
from dldoctor.expert.subject import Subject


class Net(nn.Module):
    """An MLP with batch norm and dropout; its forward may chdir() or never return."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1))
        self.head = nn.Linear(32, 10)
        self.wander_to, self.sleep = None, False

    def forward(self, x):
        if self.wander_to:
            os.chdir(self.wander_to)
        while self.sleep:
            time.sleep(3600)
        return self.head(self.body(x))


def digits_subject(wander_to=None, sleep=False) -> Subject:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    x = torch.tensor(X[:640] / 16.0, dtype=torch.float32)
    t = torch.tensor(y[:640])
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x[:512], t[:512]), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(1))
    for xb, yb in list(loader)[:2]:  # optimizer state and gradients exist, as mid-training
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.head.weight.requires_grad_(False)
    model.body[1].eval()  # one module in eval mode: the flags must come back per module
    model.wander_to, model.sleep = wander_to, sleep
    return Subject(model=model, train_data=loader, loss_fn=nn.CrossEntropyLoss(), optimizer=opt,
                   val_data=DataLoader(TensorDataset(x[512:], t[512:]), batch_size=64))


def snapshot(subject) -> dict:
    m, opt = subject.model, subject.optimizer
    return {
        "state": {k: v.clone() for k, v in m.state_dict().items()},
        "grads": {n: None if p.grad is None else p.grad.clone() for n, p in m.named_parameters()},
        "flags": {n: (mod.training,) for n, mod in m.named_modules()},
        "requires_grad": {n: p.requires_grad for n, p in m.named_parameters()},
        "opt": copy.deepcopy(opt.state_dict()),
        "rng": (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone(),
                subject.train_data.generator.get_state().clone()),
        "cwd": os.getcwd(),
        "threads": torch.get_num_threads(),
    }


def assert_same(a: dict, b: dict) -> None:
    assert a["state"].keys() == b["state"].keys() and all(torch.equal(a["state"][k], b["state"][k]) for k in a["state"])
    for n, g in a["grads"].items():
        assert (g is None and b["grads"][n] is None) or torch.equal(g, b["grads"][n]), n
    assert a["flags"] == b["flags"] and a["requires_grad"] == b["requires_grad"]
    sa, sb = a["opt"], b["opt"]
    assert sa["param_groups"] == sb["param_groups"] and sa["state"].keys() == sb["state"].keys()
    for k in sa["state"]:
        for name, v in sa["state"][k].items():
            assert torch.equal(v, sb["state"][k][name]), (k, name)
    assert a["rng"][0] == b["rng"][0] and np.array_equal(a["rng"][1], b["rng"][1])
    assert torch.equal(a["rng"][2], b["rng"][2]) and torch.equal(a["rng"][3], b["rng"][3])
    assert a["cwd"] == b["cwd"] and a["threads"] == b["threads"]


def test_a_whole_diagnosis_leaves_the_objects_and_the_rngs_as_they_were(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subject = digits_subject(wander_to=os.path.dirname(tmp_path))
    before = snapshot(subject)
    report = diagnose(subject, budget=15, probe_timeout=30)
    assert len([p for p in report.probes if p["status"] == "ok"]) >= 2, [(p["id"], p["status"], p["message"]) for p in report.probes]
    assert_same(before, snapshot(subject))


def test_a_live_model_that_never_returns_is_stopped_by_the_watchdog(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subject = digits_subject(sleep=True)
    before = snapshot(subject)
    t0 = time.monotonic()
    report = diagnose(subject, budget=30, probe_timeout=2)
    assert time.monotonic() - t0 < 30 + 20
    runs = next(p for p in report.probes if p["id"] == "runs")
    assert runs["findings"]["crashed"] is True and "ran past its 2.0 s limit" in " ".join(runs["notes"])
    assert report.causes[0].id == "code-crash"
    assert_same(before, snapshot(subject))


def test_the_watchdog_never_fires_off_the_main_thread():
    import threading

    from dldoctor.expert.limits import watchdog

    seen = {}
    t = threading.Thread(target=lambda: seen.setdefault("armed", watchdog(1.0).armed))
    t.start()
    t.join()
    assert seen["armed"] is False and watchdog(1.0).armed is True


@pytest.mark.parametrize("seconds", [0.0, float("inf")])
def test_the_watchdog_is_off_for_no_limit(seconds):
    from dldoctor.expert.limits import watchdog

    assert watchdog(seconds).armed is False
