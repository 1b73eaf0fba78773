"""The CUDA paths, end to end through the CLI's worker (skipped without a GPU; CI has none).

A target whose model and batches live on the GPU: the memory probe measures the step on the device
(``torch.cuda.max_memory_allocated``), and a step far above ``--memory-budget`` is named out-of-memory."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

TARGET = textwrap.dedent('''
    import torch
    from torch import nn

    def subject():
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1024, 256, generator=g)
        y = (x[:, 0] > 0).long()
        batches = [(x[i:i + 256].cuda(), y[i:i + 256].cuda()) for i in range(0, 1024, 256)]
        model = nn.Sequential(nn.Linear(256, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 2)).cuda()
        return {"model": model, "train_data": batches, "loss_fn": nn.CrossEntropyLoss()}
''')


def diagnose(tmp_path, *args):
    (tmp_path / "gpu_target.py").write_text(TARGET)
    out = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", "gpu_target.py", "--format", "json", *args],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_a_step_over_the_memory_budget_is_out_of_memory(tmp_path):
    report = diagnose(tmp_path, "--memory-budget", "64", "--probes", "runs,memory")
    memory = next(p for p in report["probes"] if p["id"] == "memory")
    assert memory["status"] == "ok" and memory["findings"]["device"] == "cuda"
    # two 4096x4096 layers: 64 MB of fp32 weights alone, plus their gradients and Adam's two moments
    assert memory["findings"]["peak_mb"] > 4 * 64
    assert report["causes"][0]["id"] == "out-of-memory"


def test_the_same_model_within_the_device_is_no_memory_problem(tmp_path):
    report = diagnose(tmp_path, "--probes", "runs,memory")
    memory = next(p for p in report["probes"] if p["id"] == "memory")
    assert memory["status"] == "ok" and memory["findings"]["device"] == "cuda"
    assert memory["findings"]["max_batch_in_budget"] > 256
    assert "out-of-memory" not in [c["id"] for c in report["causes"] if c["score"] >= 0.5]
