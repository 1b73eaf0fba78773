"""What isolating the user's code costs: a worker process per target vs probes in this process.

Figures (medians), on a built-in example target:
  - interpreter start (``python -c pass``): the floor of any subprocess;
  - in this process: import torch and load the target (what the CLI would pay without a worker);
  - worker start: spawn ``python -m expert.worker``, import torch, load the target, reply;
  - one request/reply round trip to a loaded worker (the protocol alone);
  - probe ``runs`` through the worker vs ``run_probe`` in this process on one torch thread (the
    per-probe overhead), on torch's default threads, and through ``InProcessRunner`` (its watchdog);
  - what a fresh process per probe would add over a diagnosis of N probes.
Run: python benchmarks/bench_isolation.py [TARGET]
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dldoctor.expert.in_process import InProcessRunner
from dldoctor.expert.runner import WorkerRunner  # noqa: E402

TARGET = str(ROOT / "examples" / "builtin" / "healthy_digits.py")
_IN_PROCESS = """
import json, sys, time
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
from dldoctor.expert.target import load
load(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"torch": t1 - t0, "load": t2 - t1}))
"""


def median_of(fn, n: int) -> float:
    return statistics.median(fn() for _ in range(n))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(target: str = TARGET, repeat: int = 5) -> None:
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    start = median_of(lambda: timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)), repeat)
    inproc = [json.loads(subprocess.run([sys.executable, "-c", _IN_PROCESS, target], cwd=ROOT, check=True,
                                        capture_output=True, text=True).stdout) for _ in range(repeat)]
    torch_s = statistics.median(r["torch"] for r in inproc)
    load_s = statistics.median(r["load"] for r in inproc)

    loads, own = [], []
    for _ in range(repeat):
        runner = WorkerRunner(target)
        loads.append(timed(runner.load))
        own.append(loads[-1] - runner.target_seconds)  # all but importing and calling the target
        runner.close()
    worker_s, overhead = statistics.median(loads), statistics.median(own)

    runner = WorkerRunner(target)
    runner.load()
    ping = median_of(runner.ping, 50)
    via_worker = median_of(lambda: timed(lambda: runner.run("runs", 60)), repeat * 2)
    runner._kill()  # the next probe pays a restart
    restart = timed(lambda: runner.run("runs", 120))
    runner.close()

    from dldoctor.expert.target import load

    import torch

    subject = load(target)
    ctx = ProbeContext()
    many = median_of(lambda: timed(lambda: run_probe("runs", subject, ctx)), repeat * 2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the worker and InProcessRunner run probes
    direct = median_of(lambda: timed(lambda: run_probe("runs", subject, ctx)), repeat * 2)
    torch.set_num_threads(threads)
    live = InProcessRunner(subject)
    watched = median_of(lambda: timed(lambda: live.run("runs", 60)), repeat * 2)

    n = 15
    rows = [
        ("interpreter start (python -c pass)", start),
        ("in this process: import torch", torch_s),
        ("in this process: load the target", load_s),
        ("worker start: spawn + import + load + reply", worker_s),
        ("  of which spawn, dldoctor imports, protocol", overhead),
        ("round trip to a loaded worker (ping)", ping),
        (f"probe runs, in this process, {threads} torch threads", many),
        ("probe runs, in this process, 1 thread", direct),
        ("probe runs, InProcessRunner (watchdog)", watched),
        ("probe runs, through the worker", via_worker),
        ("per-probe overhead of the worker", via_worker - direct),
        ("restart after a killed worker (+ probe)", restart),
        (f"a fresh process per probe, {n} probes: extra", (n - 1) * worker_s),
    ]
    print(f"target: {Path(target).relative_to(ROOT) if Path(target).is_relative_to(ROOT) else target}")
    for name, seconds in rows:
        print(f"  {name:<48} {seconds * 1000:10.2f} ms")


if __name__ == "__main__":
    main(*sys.argv[1:2])
