"""Load-and-compile time of the built-in KB and of a generated 10,000-node KB, cold and cached.

Goals on a 2-core machine: built-in < 0.2 s cold; 10,000 nodes < 5 s cold and < 0.5 s cached.
Each figure is a fresh Python process: 'imports' is importing dldoctor's KB modules (pydantic, PyYAML);
'cold' is then reading and compiling every YAML file; 'cached' reading the compiled KB from its JSON cache (validated, never unpickled) instead.
Run: python benchmarks/bench_kb.py
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from dldoctor.expert.knowledge import load_kb
t1 = time.perf_counter()
kb = load_kb(sys.argv[1:], builtin=not sys.argv[1:], use_cache=__CACHE__)
t2 = time.perf_counter()
torch = "torch" in sys.modules
print(json.dumps({"imports": t1 - t0, "s": t2 - t1, "nodes": kb.graph.number_of_nodes(), "edges": kb.graph.number_of_edges(),
                  "torch": torch}))
"""


def run(dirs, cache: bool, cache_dir: str, repeat: int = 3) -> dict:
    code = CHILD.replace("__CACHE__", str(cache))
    env = dict(os.environ, DLDOCTOR_CACHE_DIR=cache_dir, PYTHONPATH=str(ROOT))
    runs = [json.loads(subprocess.check_output([sys.executable, "-c", code, *map(str, dirs)], env=env, cwd=ROOT)) for _ in range(repeat)]
    return {"median_s": statistics.median(r["s"] for r in runs), "imports": statistics.median(r["imports"] for r in runs),
            "nodes": runs[0]["nodes"], "edges": runs[0]["edges"], "torch": runs[0]["torch"]}


def main() -> None:
    from benchmarks.generate_kb import generate

    with tempfile.TemporaryDirectory() as tmp:
        big = generate(Path(tmp) / "kb10k", 10_000)
        size = sum(f.stat().st_size for f in big.rglob("*.yaml"))
        cache = str(Path(tmp) / "cache")
        rows = [
            ("built-in, cold", run([], False, cache), 0.2),
            ("built-in, cached", (run([], True, cache, 1), run([], True, cache))[1], None),
            ("10,000 nodes, cold", run([big], False, cache, 2), 5.0),
            ("10,000 nodes, cached", (run([big], True, cache, 1), run([big], True, cache))[1], 0.5),
        ]
    print(f"generated KB: {size / 1e6:.2f} MB of YAML")
    print(f"{'case':<24}{'nodes':>8}{'edges':>8}{'imports s':>11}{'load s':>9}{'goal s':>8}  torch imported")
    for name, r, goal in rows:
        print(f"{name:<24}{r['nodes']:>8}{r['edges']:>8}{r['imports']:>11.3f}{r['median_s']:>9.3f}{goal if goal else '':>8}  {r['torch']}")


if __name__ == "__main__":
    main()
