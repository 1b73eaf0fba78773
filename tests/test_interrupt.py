"""Ctrl-C during a probe: exit 130, the report of what was found so far, no process left, nothing changed.

Through the CLI: the worker runs in its own session (the terminal's SIGINT never reaches the user's
code), so the parent must kill it.  In this process (a live subject): the probe's changes are
undone on the way out and ``diagnose`` returns the report so far, marked interrupted.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dldoctor.expert.diagnosis import diagnose
from dldoctor.expert.subject import Subject

ROOT = Path(__file__).parent.parent


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_ctrl_c_in_the_cli_prints_the_report_so_far_and_leaves_no_worker(tmp_path):
    flag = tmp_path / "worker.pid"
    env = dict(os.environ, HOSTILE_FLAG=str(flag), DLDOCTOR_WRITABLE=str(tmp_path), DLDOCTOR_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", "tests/hostile/slow.py", "--format", "json",
                             "--budget", "120", "--probe-timeout", "100"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not (flag.exists() and flag.read_text()) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert flag.exists(), proc.communicate(timeout=10)
        worker = int(flag.read_text())  # the forward of the slow model is running in this process
        assert _alive(worker)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert report["meta"]["interrupted"] is True and report["causes"]
    assert "interrupted" in err.decode()
    for _ in range(50):
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker)


class _Interrupting(nn.Module):
    """Vandalises its own weights, then Ctrl-C arrives (as SIGINT to this process) mid-forward."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        with torch.no_grad():
            self.fc.weight.mul_(100)
        random.random(), np.random.rand(), torch.rand(1)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the KeyboardInterrupt is raised here
        return self.fc(x)


def test_ctrl_c_in_process_restores_the_objects_and_returns_the_report_so_far(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    model = _Interrupting()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    subject = Subject(model=model, train_data=torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8),
                      loss_fn=nn.CrossEntropyLoss(), optimizer=opt)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    rng = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    report = diagnose(subject, budget=30, probe_timeout=20)
    assert report.meta["interrupted"] is True
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())
    assert opt.state_dict()["state"] == {}
    assert random.getstate() == rng[0] and np.array_equal(np.random.get_state()[1], rng[1]) and torch.equal(torch.get_rng_state(), rng[2])
    assert os.getcwd() == str(tmp_path)
