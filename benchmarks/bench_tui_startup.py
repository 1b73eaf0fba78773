"""Startup of ``dldoctor tui`` to its first usable screen, as a new process: median of several runs.

Each run starts ``python -m expert.cli tui [ARGS]`` with DLDOCTOR_TUI_READY_FILE set; the app writes
the wall-clock time once its first screen is drawn (the ranked causes and the next step on screen)
and exits.  The figure is that time minus the moment the process was spawned: interpreter start,
imports, the KB (from its cache), composing and drawing the screen.  A target loads in its worker
process after that and does not delay the screen; the parent must not import torch (checked).
On a shared, loaded machine the wall time grows with the load: the CPU time of the process is printed too.

    python benchmarks/bench_tui_startup.py                      # questions only, built-in KB
    python benchmarks/bench_tui_startup.py --runs 9 -- --example NAME
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 1.5


def once(args: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready.json"
        env = dict(os.environ, DLDOCTOR_TUI_READY_FILE=str(ready), COLUMNS="120", LINES="40")
        err = Path(tmp) / "stderr"
        t0 = time.time()
        with open(err, "wb") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "dldoctor.expert.cli", "tui", *args], cwd=ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
            _, status, usage = os.wait4(proc.pid, 0)
        if not ready.exists():
            raise SystemExit(f"the app did not report ready (status {status}): {err.read_text()[-500:]}")
        data = json.loads(ready.read_text())
        return {"seconds": data["time"] - t0, "cpu_ready": data["cpu"], "cpu": usage.ru_utime + usage.ru_stime,
                "torch_imported": data["torch_imported"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("app_args", nargs="*", help="arguments for `dldoctor tui` (after --)")
    a = p.parse_args(argv)
    once(a.app_args)  # warm-up: compiles and caches the KB, warms the file cache
    runs = [once(a.app_args) for _ in range(a.runs)]
    times = sorted(r["seconds"] for r in runs)
    median = statistics.median(times)
    print(f"dldoctor tui {' '.join(a.app_args)}: startup to a usable screen, {a.runs} runs")
    cpu = statistics.median(r["cpu"] for r in runs)
    cpu_ready = statistics.median(r["cpu_ready"] for r in runs)
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    print(f"  median {median:.3f} s   min {times[0]:.3f} s   max {times[-1]:.3f} s   goal < {GOAL_S} s")
    print(f"  CPU time to the usable screen: median {cpu_ready:.3f} s (whole process with its exit {cpu:.3f} s);"
          f" machine load {load:.1f} per core")
    print(f"  torch imported by the app process: {any(r['torch_imported'] for r in runs)}")
    return 0 if median < GOAL_S and not any(r["torch_imported"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
