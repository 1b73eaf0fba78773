"""One engine step (rank every cause + choose the next step) on the built-in KB and a generated 10,000-node KB.

Goals on a 2-core machine: median under 5 ms (built-in) and under 200 ms (10,000 nodes).
Observations: a random 10% of the symptoms (seeded), so the step does real work.
Run: python benchmarks/bench_engine.py
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dldoctor.expert import engine as E  # noqa: E402
from dldoctor.expert.compiler import compile_kb  # noqa: E402


def step_times(kb, repeat: int = 21) -> tuple[float, float, int]:
    rng = random.Random(0)
    sample = rng.sample(sorted(kb.symptoms), max(1, len(kb.symptoms) // 10))
    obs = {s: E.Observation(s, rng.random() < 0.3, 1.0, None, "bench") for s in sample}
    probes = [p for p in kb.probes if p in kb.symptoms_by_probe]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        E.rank(kb, obs)
        steps = E.plan(kb, obs, probes, questions=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times), len(steps)


def main() -> None:
    from benchmarks.generate_kb import generate

    rows = [("built-in", compile_kb(), 5.0)]
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("10,000 nodes", compile_kb([generate(Path(tmp) / "kb", 10_000)], builtin=False), 200.0))
    print(f"{'KB':<14}{'causes':>8}{'symptoms':>10}{'median ms':>11}{'max ms':>9}{'goal ms':>9}{'candidates':>12}")
    for name, kb, goal in rows:
        med, worst, n = step_times(kb)
        print(f"{name:<14}{len(kb.causes):>8}{len(kb.symptoms):>10}{med * 1e3:>11.2f}{worst * 1e3:>9.2f}{goal:>9.0f}{n:>12}")


if __name__ == "__main__":
    main()
