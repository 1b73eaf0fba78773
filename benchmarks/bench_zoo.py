"""The fault-zoo benchmark without the CLI: the same code as ``dldoctor bench``.

    python benchmarks/bench_zoo.py                 # every case, table on stdout
    python benchmarks/bench_zoo.py --fast          # the CI subset
    python benchmarks/bench_zoo.py --json benchmarks/results/zoo.json --cases lr_
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dldoctor.expert.commands.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
