"""probes.record: reading watch records and their findings, on synthetic records (torch-free, fast).

The synthetic runs follow how each fault behaves in a real run (tests/test_watch.py has the real
loops): a healthy loss decays with mini-batch noise, its gradient norm wanders within a factor of a
few, memory is flat; each fault changes one series the way it does in practice.
"""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import time

import pytest

from judged import holds, shape

from dldoctor.expert import engine
from dldoctor.expert.compiler import compile_kb
from dldoctor.probes import record
from dldoctor.probes.record import measure_file, read, summarize

HEADER = {"kind": "header", "version": 1, "model": "Sequential", "params": 1000, "every": 10, "layers": ["0.weight"],
          "device": "cpu", "memory": "cuda", "optimizer": "Adam"}


def run(steps=2000, every=10, seed=0, loss=None, grad=None, memory=None, data_frac=0.2, nan_at=None, dead=0.05, update=3e-3):
    """Step rows of a synthetic run; each series is a function of the step (defaults: healthy)."""
    rng = random.Random(seed)
    loss = loss or (lambda s: 2.3 * math.exp(-s / 400) + 0.1)
    grad = grad or (lambda s: 1.0 + 0.3 * math.exp(-s / 500))
    memory = memory or (lambda s: 500.0)
    rows = []
    for k in range(0, steps, every):
        window = range(max(0, k - every + 1), k + 1)
        losses = [None if nan_at is not None and s >= nan_at else loss(s) * math.exp(rng.gauss(0, 0.1)) for s in window]
        rows.append({"kind": "step", "step": k, "losses": losses, "timed_steps": len(window), "step_time": 0.01,
                     "data_time": 0.01 * data_frac, "recorded": True, "grad_norm": grad(k) * math.exp(rng.gauss(0, 0.3)),
                     "first_last_grad_ratio": 0.3, "update_ratio": update, "dead_frac": dead, "memory_mb": memory(k)})
    return rows


@pytest.fixture(scope="module")
def kb():
    return compile_kb()


def present(kb, m) -> set[str]:
    return {s for s, o in engine.judge(kb, "record", m.findings, m.confidence).items() if o.present}


def top(kb, m) -> str:
    return engine.rank(kb, engine.judge(kb, "record", m.findings, m.confidence))[0].cause


def write(path, header, rows, evals=()):
    with open(path, "w") as f:
        for obj in (header, *rows, *evals):
            f.write(json.dumps(obj) + "\n")
    return path


# ---------------------------------------------------------------- healthy runs: silent

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_healthy_runs_show_no_symptom(kb, seed):
    m = summarize(HEADER, run(seed=seed), [])
    assert shape("record", m.findings) in ("converges", "decreasing")
    assert abs(m.findings["grad_norm_growth"]) < 1.0  # noise and a decaying norm: well under 10x
    assert m.findings["memory_growth_mb_per_1k_steps"] == pytest.approx(0.0, abs=1e-9)
    assert present(kb, m) == set()
    assert engine.rank(kb, engine.judge(kb, "record", m.findings))[0].score < 0.5


def test_short_run_reports_no_trend():
    m = summarize(HEADER, run(steps=30), [])  # 3 record steps: too few for a trend
    assert m.findings["grad_norm_growth"] is None and m.findings["memory_growth_mb_per_1k_steps"] is None
    assert m.findings["steps"] == 21  # the last row is step 20


# ---------------------------------------------------------------- each fault: its finding and its cause

def test_gradient_blow_up(kb):
    m = summarize(HEADER, run(grad=lambda s: 1.0 if s < 1000 else 10 ** ((s - 1000) / 250)), [])
    assert m.findings["grad_norm_growth"] > 3  # 10^4 by the end, minus noise
    assert "record-grad-norm-grows" in present(kb, m)
    assert top(kb, m) == "exploding-gradients"


def test_memory_leak_slope_and_a_one_off_jump(kb):
    leak = summarize(HEADER, run(memory=lambda s: 500 + 0.05 * s), [])  # 50 KB a step
    assert leak.findings["memory_growth_mb_per_1k_steps"] == pytest.approx(50, rel=1e-6)
    assert top(kb, leak) == "memory-leak-retained-graph"
    jump = summarize(HEADER, run(memory=lambda s: 500 if s < 1200 else 900), [])  # an eval buffer, once
    assert jump.findings["memory_growth_mb_per_1k_steps"] == pytest.approx(0.0, abs=1e-9)


def test_nan_names_its_step(kb):
    m = summarize(HEADER, run(nan_at=1234), [])
    assert m.findings["nonfinite"] is True and m.findings["nonfinite_step"] == 1234
    assert shape("record", m.findings) == "explodes"
    assert top(kb, m) == "numerical-instability"


def test_data_wait(kb):
    m = summarize(HEADER, run(data_frac=0.8), [])
    assert m.findings["data_wait_frac"] == pytest.approx(0.8)
    assert top(kb, m) == "data-loading-bottleneck"
    assert summarize(HEADER, run(data_frac=0.35), []).findings["data_wait_frac"] < 0.6  # an in-memory loader


def test_dead_units_and_vanishing(kb):
    m = summarize(HEADER, run(dead=0.95), [])
    assert m.findings["dead_frac_late"] == pytest.approx(0.95)
    assert top(kb, m) == "dead-relu"


def test_overtraining_from_evals(kb):
    rows = run(steps=3000)
    u_shape = [{"kind": "eval", "step": s, "metrics": {"val_loss": 1.0 + ((s - 900) / 1500) ** 2}} for s in range(0, 3000, 300)]
    m = summarize(HEADER, rows, u_shape)
    assert holds("record", m.findings, "record-overtraining") is True and m.findings["best_val_frac"] < 0.5
    assert "record-overtraining" in present(kb, m)
    falling = [{"kind": "eval", "step": s, "metrics": {"val_loss": 1.0 + math.exp(-s / 800)}} for s in range(0, 3000, 300)]
    assert holds("record", summarize(HEADER, rows, falling).findings, "record-overtraining") is False


def test_long_run_is_binned(kb):
    t = time.perf_counter()
    m = summarize(HEADER, run(steps=200_000, every=100), [])
    assert time.perf_counter() - t < 5 and shape("record", m.findings) in ("converges", "decreasing")
    assert len(m.details["loss"]["value"]) == record.MAX_BINS


# ---------------------------------------------------------------- the file

def test_file_round_trip(tmp_path):
    path = write(tmp_path / "run.jsonl", HEADER, run(steps=500), [{"kind": "eval", "step": 499, "metrics": {"val_loss": 0.5}}])
    header, steps, evals, notes = read(path)
    assert header["version"] == 1 and len(steps) == 50 and len(evals) == 1 and notes == []
    assert measure_file(path).findings["steps"] == 491


def test_a_half_written_last_line_is_skipped(tmp_path):
    path = write(tmp_path / "run.jsonl", HEADER, run(steps=100))
    with open(path, "a") as f:
        f.write('{"kind": "step", "st')
    assert "incomplete last line" in measure_file(path).notes[0]


@pytest.mark.parametrize("text, where", [
    ("", "empty file"),
    ('{"kind": "step", "step": 0}\n', "line 1: not a dldoctor watch record"),
    ('{"kind": "header", "version": 2}\n', "line 1: unsupported record version"),
    ('{"kind": "header", "version": 1}\nnot json\n{"kind": "step", "step": 1}\n', "line 2: not JSON"),
    ('{"kind": "header", "version": 1}\n{"kind": "step", "step": "x"}\n', "line 2: a step line needs an integer"),
])
def test_bad_files_name_the_line(tmp_path, text, where):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(ValueError, match=where):
        measure_file(path)


def test_reading_a_record_is_torch_free():
    code = "import sys; from dldoctor.probes.record import measure_file; import dldoctor.expert.commands.watch_report; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
