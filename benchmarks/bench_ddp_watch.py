"""Watch overhead per rank of a two-rank DDP run (gloo, CPU), side by side with a single-process run.

    python benchmarks/bench_ddp_watch.py [--rounds 5] [--steps 100] [--every 10] [--world 2]

The same MLP and in-memory batches (data loading would only dilute the overhead) train plain and
watched (record written, fingerprints on, every ``--every`` steps a record step) in rotating order,
``--rounds`` times: once in one process, once on ``--world`` ranks started with
torch.multiprocessing.spawn and wrapped in DistributedDataParallel.  Each rank times its own loop;
the overhead is the watched loop's best round over the plain loop's best (timeit's rule), per rank,
in CPU time (the work done, less exposed to other jobs on a shared machine) and wall time.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def loop(model, opt, data, steps, w=None) -> tuple[float, float]:
    from bench_watch import loop as steps_of  # the same user's loop as the single-process benchmark

    c, t = time.process_time(), time.perf_counter()
    steps_of(model, opt, nn.CrossEntropyLoss(), data, steps, w, torch.device("cpu"))
    return (time.process_time() - c) / steps, (time.perf_counter() - t) / steps


def measure(model, args, folder: str, tag: str) -> dict:
    """variant -> [(cpu s/step, wall s/step)] over the rounds."""
    from dldoctor.probes.watch import watch

    g = torch.Generator().manual_seed(int(os.environ.get("RANK", "0")))
    data = [(torch.randn(args.batch, 1, 28, 28, generator=g), torch.randint(0, 10, (args.batch,), generator=g)) for _ in range(16)]
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    times = {"plain": [], "watched": []}
    for r in range(args.rounds + 1):  # round 0 warms up the allocator, the KB cache and the store
        for v in (("plain", "watched") if r % 2 else ("watched", "plain")):
            w = None
            if v == "watched":
                w = watch(model, opt, record=Path(folder) / f"{tag}.jsonl", every=args.every, stream=io.StringIO()).start()
            try:
                got = loop(model, opt, data, args.steps, w)
            finally:
                if w is not None:
                    w.close()
            if r:
                times[v].append(got)
    return times


def rank_main(rank: int, args, folder: str, results) -> None:
    import torch.distributed as dist

    torch.set_num_threads(args.threads)
    os.environ["RANK"] = str(rank)
    dist.init_process_group("gloo", init_method=Path(folder, "store").as_uri(), rank=rank, world_size=args.world)
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(mlp())
    results.put((rank, measure(model, args, folder, "ddp")))
    dist.destroy_process_group()


def overhead(times: dict, clock: int) -> tuple[float, float]:
    plain, watched = min(t[clock] for t in times["plain"]), min(t[clock] for t in times["watched"])
    return plain, watched / plain - 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--every", type=int, default=10)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--world", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch.multiprocessing as mp

    torch.set_num_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        torch.manual_seed(0)
        rows.append(("single process", measure(mlp(), args, folder, "single")))
        ctx = mp.get_context("spawn")
        results = ctx.SimpleQueue()
        mp.start_processes(rank_main, args=(args, folder, results), nprocs=args.world, start_method="spawn")
        got = sorted(results.get() for _ in range(args.world))
        rows += [(f"DDP rank {r} of {args.world}", t) for r, t in got]
    print(f"watch overhead, every={args.every}, {args.steps} steps x {args.rounds} rounds, MLP 784-512-512-10, batch {args.batch}, "
          f"{args.threads} thread(s) per process")
    print(f"{'run':<20} {'plain ms/step (cpu)':>20} {'overhead (cpu)':>15} {'plain ms/step (wall)':>21} {'overhead (wall)':>16}")
    for name, times in rows:
        (pc, oc), (pw, ow) = overhead(times, 0), overhead(times, 1)
        print(f"{name:<20} {1e3 * pc:>20.2f} {100 * oc:>14.1f}% {1e3 * pw:>21.2f} {100 * ow:>15.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
