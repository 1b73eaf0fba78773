"""Each probe's cost and the whole set's, for an MLP and a small CNN, next to plain training steps.

Goal (issue 4): the implement-and-debug probes together cost no more than 250 plain training steps
of the same model and batch (PyTorch Lightning's learning-rate finder alone takes 100), and under
30 s, on a 2-core machine.  The data and evaluation probes have their own goal and are reported
apart.  One process, one torch thread (as the worker runs), warm (the first optimizer, the probe
modules' imports excluded); every probe runs in-process through probes.run.run_probe (seeded,
restored after).  train-step-audit needs a train_step: it runs with a textbook one (zero_grad,
forward, loss, backward, step: the default step written out), so every model's set is complete.

Costs are CPU seconds of this process (``time.process_time``; one torch thread, so about the time
it would take alone): the machine is shared with other jobs, and wall-clock ratios swing by 2-3x
with their load.  Each is the least of REPEATS runs; the plain step is the least of several blocks
measured before and after the probes.  The set's wall-clock time is reported too, for the 30 s
goal.  "steps run" is what the probe reports (details or findings) where it trains.
Run: python benchmarks/bench_probes.py
"""
from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEBUG_SET = ("runs", "output-vs-target", "loss-at-init", "overfit-one-batch", "lr-range", "grad-flow", "train-step-audit",
             "activations", "numerics", "memory", "regularization")
DATA_SET = ("input-stats", "class-balance", "batch-composition", "label-alignment", "leakage", "shift", "bias-variance")
GOAL_STEPS, GOAL_SECONDS = 250, 30.0
REPEATS = 5


def subjects():
    import numpy as np
    import torch
    from sklearn.datasets import load_digits
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dldoctor.expert.subject import Subject

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(X))
    X, y = (X[idx] / 16.0).astype("float32"), y[idx]
    tr, va = slice(0, 1400), slice(1400, None)

    def loader(x, shuffle):
        return DataLoader(TensorDataset(torch.tensor(x), torch.tensor(y[tr if len(x) == 1400 else va])), batch_size=64, shuffle=shuffle)

    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    cnn = nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 16, 64), nn.ReLU(), nn.Linear(64, 10))
    for name, model in (("MLP", mlp), ("small CNN", cnn)):
        yield name, Subject(model=model, train_data=loader(X[tr], True), val_data=loader(X[va], False), loss_fn=nn.CrossEntropyLoss(),
                            optimizer=lambda p: torch.optim.Adam(p, lr=1e-3))


def textbook_step(model, batch, optimizer, loss_fn):
    x, y = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def plain_step_seconds(subject, blocks: int = 5, steps: int = 50) -> float:
    """The least mean CPU time of one training step over ``blocks`` blocks of ``steps`` steps."""
    from dldoctor.probes import training
    from dldoctor.probes.snapshot import preserved

    batch = training.first_batch(subject)
    with preserved(subject):
        opt = training.make_optimizer(subject)
        for _ in range(10):
            training.step(subject, batch, opt)
        best = float("inf")
        for _ in range(blocks):
            t0 = time.process_time()
            for _ in range(steps):
                training.step(subject, batch, opt)
            best = min(best, (time.process_time() - t0) / steps)
        return best


def steps_run(result) -> int:
    """Optimizer steps the probe took (counted by probes.run.run_probe)."""
    return result.steps


def timed(pid: str, subject, ctx, repeats: int) -> tuple[dict, float, float]:
    """The probe's result, its least CPU time and its least wall-clock time over ``repeats`` runs."""
    from dldoctor.probes.run import run_probe

    if pid == "train-step-audit" and subject.train_step is None:
        subject = dataclasses.replace(subject, train_step=textbook_step)
    cpu = wall = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_probe(pid, subject, ctx)
        cpu, wall = min(cpu, time.process_time() - c0), min(wall, time.perf_counter() - t0)
    return result, cpu, wall


def table(title: str, rows: list, step: float) -> tuple[float, float]:
    """Print the rows; (total CPU seconds, total wall seconds)."""
    cpu, wall = sum(r[3] for r in rows), sum(r[4] for r in rows)
    print(f"  {title}")
    print(f"  {'probe':<20}{'status':<9}{'steps run':>10}{'CPU s':>9}{'= plain steps':>15}{'wall s':>9}")
    for pid, status, n, c, w in rows:
        print(f"  {pid:<20}{status:<9}{'' if n is None else n:>10}{c:>9.3f}{c / step:>15.0f}{w:>9.3f}")
    print(f"  {'total':<39}{cpu:>9.2f}{cpu / step:>15.0f}{wall:>9.2f}")
    return cpu, wall


def main() -> None:
    import torch

    from dldoctor.expert.knowledge import load_kb
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    torch.set_num_threads(1)
    kb = load_kb()
    verdicts = []
    for name, subject in subjects():
        ctx = ProbeContext(seed=0, patterns=[(p.kind, p.regex) for p in kb.patterns])
        run_probe("runs", subject, ctx)  # warm-up: first forward
        before = plain_step_seconds(subject)  # also the first optimizer (torch imports its compiler then)
        debug = [(pid, *_row(*timed(pid, subject, ctx, REPEATS))) for pid in DEBUG_SET]
        data = [(pid, *_row(*timed(pid, subject, ctx, 1))) for pid in DATA_SET]
        step = min(before, plain_step_seconds(subject))
        print(f"\n{name}: plain training step {step * 1e3:.2f} ms CPU (batch 64; least of 10 blocks of 50)")
        cpu, wall = table(f"implement-and-debug probes (issue 4; least of {REPEATS} runs)", debug, step)
        met = cpu / step <= GOAL_STEPS and wall < GOAL_SECONDS
        verdicts.append(met)
        print(f"  goal: <= {GOAL_STEPS} plain steps and < {GOAL_SECONDS:.0f} s: {'met' if met else 'NOT met'} "
              f"({cpu / step:.0f} steps, {wall:.2f} s wall)")
        table("data and evaluation probes (their own goal; one run)", data, step)
    print(f"\nissue-4 cost goal: {'met' if all(verdicts) else 'NOT met'} on {sum(verdicts)}/{len(verdicts)} models")


def _row(result: dict, cpu: float, wall: float) -> tuple:
    return result.status, steps_run(result), cpu, wall


if __name__ == "__main__":
    main()
