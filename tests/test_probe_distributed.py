"""Probe `distributed`: dldoctor starts the ranks itself ("distributed": {"world_size": 2} or --world-size),
trains the subject under DDP on two gloo ranks and compares them; the user's objects are untouched."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dldoctor.expert.diagnosis import diagnose
from dldoctor.expert.target import load

TARGET = Path(__file__).parent / "ddp" / "target_ddp.py"


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", *args], capture_output=True, text=True,
                       timeout=600)
    return p


def run(spec: str, *more) -> dict:
    # generous limits: the probe takes seconds on an idle machine, and CI machines are shared
    p = cli(f"{TARGET}:{spec}", "--probes", "distributed", "--format", "json", "--probe-timeout", "300", "--budget", "600", *more)
    assert p.returncode in (0, 1), p.stderr
    report = json.loads(p.stdout)
    entry = next(x for x in report["probes"] if x["id"] == "distributed")
    assert entry["status"] == "ok" or "--world-size" not in more and spec == "no_key", entry["message"]
    return report


def probe(report) -> dict:
    return next(p for p in report["probes"] if p["id"] == "distributed")


def test_plain_loaders_on_every_rank_are_duplicated_data():
    report = run("plain")
    assert probe(report)["status"] == "ok", probe(report)["message"]
    assert probe(report)["findings"]["duplicate_batch_frac"] == 1.0
    assert report["causes"][0]["id"] == "ddp-duplicated-data"


def test_a_distributed_sampler_is_healthy():
    report = run("subject")
    f = probe(report)["findings"]
    assert f["duplicate_batch_frac"] == 0.0 and f["epoch_repeat_frac"] == 0.0 and f["param_divergence"] == 0.0
    assert f["lr_batch_scaling"] == 0.0  # the same rate for twice the batch: measured, judged with the question
    assert report["verdict"] == "healthy", report["causes"][:3]


def test_world_size_from_the_command_line():
    report = run("no_key", "--world-size", "2")
    assert probe(report)["status"] == "ok" and probe(report)["findings"]["world_size"] == 2
    # without the key nor the flag the probe is skipped; with nothing else selected nothing was measured,
    # which is "could not diagnose" (exit 2), never "healthy"
    skipped = cli(f"{TARGET}:no_key", "--probes", "distributed", "--format", "json")
    assert skipped.returncode == 2 and "could not diagnose" in skipped.stderr
    assert probe(json.loads(skipped.stdout))["status"] == "skipped"


def test_batch_norm_on_four_examples_per_rank():
    report = run("batchnorm")
    assert probe(report)["findings"]["bn_local_batch"] == 4
    assert report["causes"][0]["id"] == "ddp-batchnorm-per-rank"


def test_a_slow_loader_on_one_rank_is_a_straggler():
    report = run("straggler")
    assert probe(report)["findings"]["straggler_share"] > 0.5  # 30 ms of a ~31 ms step waits on rank 1
    assert report["causes"][0]["id"] == "ddp-straggler"


@pytest.mark.parametrize("spec, words", [("bad_world", "world_size must be an integer from 2"),
                                         ("bad_key", "unknown key 'backend'")])
def test_bad_distributed_values(spec, words):
    p = cli(f"{TARGET}:{spec}", "--format", "json")
    assert p.returncode == 2 and words in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_a_live_subject_comes_back_as_it_was():
    subject = load(f"{TARGET}:plain")
    subject.source = None  # as the Python API gives it: the forked ranks use this very subject
    model = subject.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    report = diagnose(subject, probes=["distributed"], budget=600, probe_timeout=300)
    result = next(p for p in report.probes if p["id"] == "distributed")
    assert result["status"] == "ok", result["message"]
    assert report.causes[0].id == "ddp-duplicated-data"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model.training and torch.equal(rng, torch.get_rng_state())
    assert not torch.distributed.is_initialized()


def test_a_rank_that_hangs_in_the_teardown_after_a_complete_record_does_not_fail_the_probe(monkeypatch):
    """gloo's teardown can hang or abort a rank once the run is over: the records are complete by then
    (``done.rank{R}``), so the probe stops that rank and judges them."""
    import time

    import torch.distributed as dist

    real = dist.destroy_process_group

    def stuck(*args, **kwargs):
        if dist.get_rank() == 1:
            time.sleep(3600)
        return real(*args, **kwargs)

    monkeypatch.setattr(dist, "destroy_process_group", stuck)  # the ranks are forked: they inherit it
    subject = load(f"{TARGET}:plain")
    subject.source = None
    report = diagnose(subject, probes=["distributed"], budget=600, probe_timeout=300)
    result = next(p for p in report.probes if p["id"] == "distributed")
    assert result["status"] == "ok", result["message"]
    assert any("teardown" in n for n in result["notes"])
    assert report.causes[0].id == "ddp-duplicated-data"
