"""What keeps the watch cheap, asserted on its behaviour (never on wall-clock time): ordinary steps run
with nothing attached, the batched per-layer numbers equal the direct computation, a time slice lost
to another process does not stretch the record interval, and the check's share is spent before use."""
from __future__ import annotations

import json
import math

import torch
from torch import nn

from dldoctor.probes.layer_sample import sample
from dldoctor.probes.watch import watch
from dldoctor.probes.watch_pace import FULL, Pace
from dldoctor.probes.watch_warnings import Checks


def attached(net, opt, params):
    return (len(net._forward_pre_hooks) + sum(len(m._forward_hooks) for m in net.modules())
            + len(opt._optimizer_step_pre_hooks) + sum(len(p._backward_hooks or {}) for p in params))


def test_ordinary_steps_run_with_nothing_attached(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(net.parameters(), 0.01)
    params = list(net.parameters())
    seen = {}
    with watch(net, opt, record=tmp_path / "r.jsonl", every=5, on_warning="off", max_share=None) as w:
        for k in range(30):
            seen[k] = attached(net, opt, params)  # what this step's forward, backward and optimizer.step meet
            opt.zero_grad()
            nn.functional.cross_entropy(net(torch.randn(4, 8)), torch.zeros(4, dtype=torch.long)).backward()
            opt.step()
            w.step(torch.tensor(1.0))
    assert all(seen[k] > 0 for k in range(0, 30, 5))  # record steps: the hooks are there
    # from the 4th batch on (3 inputs described, batch size known), ordinary steps meet no hook at all, also
    # those before the next record step (the forward pre-hook removes itself once the first batches are seen)
    assert [k for k in range(3, 30) if k % 5 and seen[k]] == []
    assert attached(net, opt, params) == 0


def test_batched_layer_numbers_equal_the_direct_computation(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    with torch.no_grad():
        net[0].bias[:2] = -100.0  # two of the six hidden units can never fire
    opt = torch.optim.SGD(net.parameters(), 0.1)
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    with watch(net, opt, record=tmp_path / "r.jsonl", every=1, on_warning="off", max_share=None) as w:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        grads = [p.grad.norm().item() for p in net.parameters()]
        before = [sample(p).clone() for p in net.parameters()]
        opt.step()
        ratios = [((sample(p) - b).norm() / b.norm()).item() for p, b in zip(net.parameters(), before)]
        w.step(torch.tensor(0.5))
    row = [json.loads(s) for s in (tmp_path / "r.jsonl").read_text().splitlines() if '"recorded"' in s][0]
    assert all(math.isclose(a, b, rel_tol=1e-5) for a, b in zip(row["grad_norms"], grads)), (row["grad_norms"], grads)
    assert all(math.isclose(a, b, rel_tol=1e-4) for a, b in zip(row["update_ratios"], ratios)), (row["update_ratios"], ratios)
    assert row["dead_fracs"] == {"1": 2 / 6}


def test_a_lost_time_slice_does_not_stretch_the_interval():
    p = Pace(10, 0.01)
    for _ in range(FULL + 2):
        p.recorded(0.0001, 0.001)  # a record step costs 1% of ten 1 ms steps: at the share
    assert p.stride == 10
    p.recorded(0.05, 0.001)  # one record step preempted for 50 ms
    assert p.stride == 10
    for _ in range(3):
        p.recorded(0.001, 0.001)  # record steps that truly cost ten times more
    assert p.stride >= 100


class _Counting:
    done = False

    def __init__(self):
        self.calls = 0

    def check(self, k, findings):
        self.calls += 1
        return []


def test_the_check_share_is_spent_before_it_is_used():
    checks = Checks("off", warmup=0, share=0.01, kb=None, stream=None, warnings=[])
    checks._early, checks._last = _Counting(), 1.0  # the previous check took 1 s
    assert checks.run(5, elapsed=50.0, findings=lambda: None) == 0.0 and checks._early.calls == 0  # 1% of 50 s < 1 s
    checks.run(6, elapsed=150.0, findings=lambda: None)
    assert checks._early.calls == 1
    checks.run(7, elapsed=10.0, findings=lambda: None, urgent=True)  # a NaN is checked at once
    assert checks._early.calls == 2


_FRESH = """
import io, sys
import torch
from torch import nn
from dldoctor.probes.watch import watch
from dldoctor.probes.watch_warnings import LOAD_S, Checks

net = nn.Linear(4, 2)
opt = torch.optim.SGD(net.parameters(), 0.1)
with watch(net, opt, every=1, warmup=0, max_share=None, stream=io.StringIO()) as w:
    for _ in range(20):
        opt.zero_grad()
        loss = net(torch.randn(8, 4)).pow(2).mean()
        loss.backward()
        opt.step()
        w.step(loss)
print(len(w.rows), "dldoctor.expert.engine" in sys.modules, "pydantic" in sys.modules)
c = Checks("print", warmup=0, share=0.005, kb=None, stream=io.StringIO(), warnings=[])
print(c.run(5, elapsed=0.9 * LOAD_S / 0.005, findings=w.findings) == 0.0, "dldoctor.expert.engine" in sys.modules)
print(c.run(6, elapsed=1.1 * LOAD_S / 0.005, findings=w.findings) > 0.0, "dldoctor.expert.engine" in sys.modules)
"""


def test_a_watch_starts_without_the_kb_and_its_first_check_waits_until_the_share_covers_the_load():
    """In a fresh process the KB's load (the engine's imports) is 0.1-0.2 s: a short run would pay it at its
    start.  The watch loads it at the first check that is due, once ``check_share`` of the time so far covers it."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:3] == ["20 False False", "True False", "True True"]


def test_a_non_finite_value_loads_the_kb_at_once():
    checks = Checks("print", warmup=100, share=0.005, kb=None, stream=None, warnings=[])
    checks._last = 10.0  # as if the load were very slow: an urgent check does not wait for the share

    class Found:
        findings, confidence = {}, {}

    assert checks.run(3, elapsed=0.0, findings=Found) == 0.0 and not checks._loaded  # not due yet
    assert checks.run(3, elapsed=0.0, findings=Found, urgent=True) > 0.0 and checks._loaded and checks._early is not None
