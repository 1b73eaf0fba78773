"""Seconds per data probe on 50,000 train rows x 100 features (plus 10,000 validation rows).

    python benchmarks/bench_data_probes.py [--rows 50000] [--features 100] [--batch-size 256]

The probes share one ProbeContext, as in one worker, so the first probe that needs a split pays for
reading it; the read is also timed on its own.  Wall and CPU seconds (CPU is the steadier figure on
a shared machine).  Not a test: prints a table.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROBES = ("input-stats", "class-balance", "batch-composition", "label-alignment", "leakage", "shift")


def subject(rows: int, features: int, batch_size: int, seed: int = 0):
    import numpy as np
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dldoctor.expert.subject import Subject

    rng = np.random.default_rng(seed)
    n_val = rows // 5
    X = rng.normal(size=(rows + n_val, features)).astype(np.float32)
    w = rng.normal(size=(features, 10)).astype(np.float32)
    y = (X @ w + rng.normal(size=(rows + n_val, 10)).astype(np.float32)).argmax(1)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    train = DataLoader(TensorDataset(X[:rows], y[:rows]), batch_size=batch_size, shuffle=True)
    val = DataLoader(TensorDataset(X[rows:], y[rows:]), batch_size=batch_size)
    model = nn.Sequential(nn.Linear(features, 64), nn.ReLU(), nn.Linear(64, 10))
    return Subject(model=model, train_data=train, loss_fn=nn.CrossEntropyLoss(), val_data=val)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--features", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args()

    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.dataset import read
    from dldoctor.probes.run import run_probe

    s = subject(args.rows, args.features, args.batch_size)
    t = time.perf_counter()
    read(s.train_data)
    print(f"{'read train rows alone':24s} {time.perf_counter() - t:6.2f} s")
    ctx = ProbeContext(seed=0)
    total = 0.0
    cpu_total = 0.0
    print(f"{'probe':24s} {'wall':>8s} {'cpu':>8s}")
    for pid in PROBES:
        c = time.process_time()
        r = run_probe(pid, s, ctx)
        cpu = time.process_time() - c
        total += r.seconds
        cpu_total += cpu
        print(f"{pid:24s} {r.seconds:6.2f} s {cpu:6.2f} s  {r.status} {r.message}")
    print(f"{'all data probes':24s} {total:6.2f} s {cpu_total:6.2f} s")


if __name__ == "__main__":
    main()
