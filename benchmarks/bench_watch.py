"""Overhead of watch mode: a plain training loop against the same loop watched (every step, every 10).

    python benchmarks/bench_watch.py [--rounds 9] [--steps 200] [--device cpu|cuda] [--threads 1]

For an MLP and a small CNN, each round runs every variant for ``--steps`` steps on the same
in-memory batches (data loading would only dilute the overhead), in a rotating order, so that the
machine's load drifts over all variants alike.  Two estimates per variant and clock: ``best``, its
fastest round over the plain loop's fastest (the least disturbed runs: timeit's rule), and
``paired``, the median over rounds of its time over the plain loop's in the same round.  Two clocks:
the process's CPU time (the work done, less exposed to other jobs on a shared machine) and wall time
(what a user waits; on an idle machine the two agree).  The watch runs as users get it: record
file written, early warnings checked (from the first step).
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dldoctor.probes.watch import watch  # noqa: E402

GOALS = {1: 0.20, 10: 0.05}  # the goals: overhead per step at every=1 and every=10


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def batches(n: int, batch: int, device) -> list:
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(batch, 1, 28, 28, generator=g).to(device), torch.randint(0, 10, (batch,), generator=g).to(device)) for _ in range(n)]


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(model, data, steps: int, every: int | None, device, folder: str) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds) per step of ``steps`` steps (plain when every is None), and the
    share of the wall time spent inside ``w.step`` (its own clock; hooks not included)."""
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def loop(w=None):
        for i in range(steps):
            x, y = data[i % len(data)]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            if w is not None:
                w.step(loss)

    w = None
    if every is not None:  # set-up (the KB from its cache, the file) is once per run, not per step
        w = watch(model, opt, record=Path(folder) / f"bench-{every}.jsonl", every=every, warmup=0,
                  stream=io.StringIO()).start()  # checks run; their lines (random labels) are not shown
    try:
        sync(device)
        c, t = time.process_time(), time.perf_counter()
        loop(w)
        sync(device)
        cpu, wall = time.process_time() - c, time.perf_counter() - t
        return cpu / steps, wall / steps, (w._overhead / wall if w is not None else 0.0)
    finally:
        if w is not None:
            w.close()


def bench(name: str, make, args, device) -> list[tuple]:
    torch.manual_seed(0)
    model = make().to(device)
    data = batches(16, args.batch, device)
    variants = [None, 1, 10]
    times = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as folder:
        for v in variants:  # warm-up: allocator, kernels, the KB cache
            run(model, data, 20, v, device, folder)
        for r in range(args.rounds):
            order = variants[r % 3:] + variants[:r % 3]
            for v in order:
                times[v].append(run(model, data, args.steps, v, device, folder))
    rows = []
    for clock, name_ in ((0, "cpu"), (1, "wall")):
        plain = [t[clock] for t in times[None]]
        rows.append((name, "plain", name_, min(plain), None, None, None))
        for v in (1, 10):
            mine = [t[clock] for t in times[v]]
            best = min(mine) / min(plain) - 1
            paired = statistics.median([a / b for a, b in zip(mine, plain)]) - 1
            rows.append((name, f"every={v}", name_, min(mine), best, paired, best <= GOALS[v]))
    for v in (1, 10):
        rows.append((name, f"every={v}", "self", None, statistics.median(t[2] for t in times[v]), None, None))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: steadier on a shared machine)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = bench("MLP 784-512-512-10", mlp, args, device) + bench("CNN 2 conv + 2 fc", cnn, args, device)
    print(f"watch overhead, {args.device}, batch {args.batch}, {args.steps} steps x {args.rounds} interleaved rounds, "
          f"torch {torch.__version__}, {args.threads} thread(s)")
    print(f"{'model':<22} {'variant':<10} {'clock':<5} {'ms/step':>9} {'best':>8} {'paired':>8}  goal (best)")
    for name, variant, clock, t, best, paired, ok in rows:
        goal = "" if ok is None else ("met" if ok else "MISSED") + f" (<{GOALS[int(variant.split('=')[1])]:.0%})"
        fmt = (lambda x: "" if x is None else f"{x:+.1%}")
        ms = "" if t is None else f"{t * 1e3:9.3f}"
        print(f"{name:<22} {variant:<10} {clock:<5} {ms:>9} {fmt(best):>8} {fmt(paired):>8}  {goal}")
    print("self: median share of the loop's wall time spent inside w.step (the watch's own clock; hooks excluded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
