"""probes.record_ranks: finding, grouping and comparing the rank files of a distributed run (torch-free).

The synthetic ranks follow what real DDP ranks write (tests/test_ddp_records.py has the real
runs): disjoint shards give different batch fingerprints at every step, a reshuffled order never
repeats, DDP replicas give equal parameter checksums, synchronised ranks step together.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dldoctor.expert import engine
from dldoctor.expert.compiler import compile_kb
from dldoctor.probes import record_ranks
from dldoctor.probes.record_ranks import find, findings, load

EPOCH = 8  # batches per epoch per rank


@pytest.fixture(scope="module")
def kb():
    return compile_kb()


def header(rank, world=2, run="run-a", started="2026-01-01T10:00:00+00:00", **more):
    return {"kind": "header", "version": 1, "model": "DistributedDataParallel", "params": 100, "every": 1, "layers": ["w"],
            "device": "cpu", "memory": "heap", "optimizer": "SGD", "started": started, "batch_size": 32, "rank": rank,
            "world_size": world, "backend": "gloo", "ddp": True, "batchnorm_layers": [], "run_id": run, **more}


def rows(rank, epochs=3, fp=None, params=None, step_time=0.01, data_time=0.001, lr=0.05, loss=None):
    """One row per step; fp(rank, epoch, i) names the batch (default: a disjoint shard reshuffled every epoch)."""
    fp = fp or (lambda r, e, i: f"r{r}e{e}b{i}")
    params = params or (lambda r, s: [1.0 + s, 2.0 + s, 10.0 + s])
    loss = loss or (lambda s: 2.0 / (1 + s))
    out = []
    for e in range(epochs):
        for i in range(EPOCH):
            s = e * EPOCH + i
            out.append({"kind": "step", "step": s, "losses": [loss(s)], "timed_steps": 1 if s else 0,
                        "step_time": step_time, "data_time": data_time, "recorded": True, "lr": [lr],
                        "batch_fps": [fp(rank, e, i)], "params_fp": params(rank, s)})
    return out


def write(folder, name, head, body):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        for obj in (head, *body, {"kind": "end", "steps": len(body), "seconds": 1.0, "error": None}):
            f.write(json.dumps(obj) + "\n")
    return path


def run_files(tmp_path, world=2, **kw):
    return [write(tmp_path, f"run.rank{r}.jsonl", header(r, world), rows(r, **kw)) for r in range(world)]


def present(kb, f) -> set[str]:
    return {s for s, o in engine.judge(kb, "distributed", f).items() if o.present}


# ---------------------------------------------------------------- finding and grouping the files

def test_a_record_path_finds_its_rank_files(tmp_path):
    files = run_files(tmp_path)
    (tmp_path / "other.rank0.jsonl").write_text("")  # another pattern: not this run's
    assert find(tmp_path / "run.jsonl") == sorted(files)
    assert find(str(tmp_path / "run.rank*.jsonl")) == sorted(files)


def test_a_single_record_is_read_alone(tmp_path):
    assert find(tmp_path / "run.jsonl") is None  # no rank files: the single-process record
    run_files(tmp_path)
    single = tmp_path / "run.jsonl"
    single.write_text("{}\n")
    os.utime(single, (2e9, 2e9))  # newer than every rank file
    assert find(single) is None


def test_an_empty_glob_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no file matches"):
        find(str(tmp_path / "nothing.rank*.jsonl"))


def test_two_runs_with_the_same_pattern_are_never_merged(tmp_path):
    old = [write(tmp_path, f"run.rank{r}.jsonl", header(r, 4, run="old", started="2026-01-01T09:00:00+00:00"),
                 rows(r, fp=lambda r, e, i: "same")) for r in range(4)]  # a 4-rank run whose batches all agree
    new = [write(tmp_path, f"new.rank{r}.jsonl", header(r, 2, run="new"), rows(r)) for r in range(2)]
    ranks = load(old + new)
    assert [r.path for r in ranks.ranks] == new and ranks.world_size == 2 and not ranks.missing
    assert any("another run (run id old" in n and "not merged" in n for n in ranks.notes)
    assert findings(ranks)["duplicate_batch_frac"] == 0.0  # the old run's agreeing batches stayed out


def test_a_stale_rank_file_of_an_earlier_run_is_not_merged(tmp_path):
    write(tmp_path, "run.rank0.jsonl", header(0, run="new"), rows(0))
    write(tmp_path, "run.rank1.jsonl", header(1, run="old", started="2026-01-01T09:00:00+00:00"), rows(1))
    ranks = load(find(tmp_path / "run.jsonl"))
    assert [r.header["rank"] for r in ranks.ranks] == [0]
    assert ranks.missing == [1]
    assert any("rank 1 of 2 left no record" in n for n in ranks.notes)
    f = findings(ranks)
    assert f["ranks_missing"] == 1 and f["duplicate_batch_frac"] is None and f["param_divergence"] is None


def test_a_missing_rank_is_reported(tmp_path):
    files = run_files(tmp_path, world=3)
    ranks = load(files[:2], world_size=3)
    assert ranks.missing == [2] and findings(ranks)["ranks_missing"] == 1
    assert findings(ranks)["duplicate_batch_frac"] == 0.0  # the two ranks present are still compared


def test_a_file_without_a_rank_is_refused(tmp_path):
    path = write(tmp_path, "solo.rank0.jsonl", {k: v for k, v in header(0).items() if k != "rank"}, rows(0))
    with pytest.raises(ValueError, match="has no rank"):
        load([path])


# ---------------------------------------------------------------- the findings, fault by fault

def test_healthy_ranks_show_no_symptom(kb, tmp_path):
    f = findings(load(run_files(tmp_path)))
    assert f["duplicate_batch_frac"] == 0.0 and f["epoch_repeat_frac"] == 0.0 and f["param_divergence"] == 0.0
    assert f["straggler_share"] == pytest.approx(0.0) and f["step_time_ratio"] == pytest.approx(1.0)
    assert f["bn_local_batch"] is None
    assert present(kb, f) == set()


def test_duplicated_batches(kb, tmp_path):
    f = findings(load(run_files(tmp_path, fp=lambda r, e, i: f"e{e}b{i}")))  # every rank the same batch
    assert f["duplicate_batch_frac"] == 1.0 and f["epoch_repeat_frac"] == 0.0
    assert present(kb, f) == {"ddp-batches-duplicated"}


def test_an_order_that_repeats_every_epoch(kb, tmp_path):
    f = findings(load(run_files(tmp_path, fp=lambda r, e, i: f"r{r}b{i}")))  # the same permutation each epoch
    assert f["epoch_repeat_frac"] == 1.0 and f["duplicate_batch_frac"] == 0.0
    assert present(kb, f) == {"ddp-order-repeats"}


def test_a_batch_seen_twice_by_chance_is_no_repeating_order(tmp_path):
    f = findings(load(run_files(tmp_path, fp=lambda r, e, i: "first" if (e, i) in ((0, 0), (2, 3)) else f"r{r}e{e}b{i}")))
    assert f["epoch_repeat_frac"] < 0.1


def test_parameters_that_drift_apart(kb, tmp_path):
    f = findings(load(run_files(tmp_path, params=lambda r, s: [1.0 + s + 1e-3 * r * s, 2.0 + s, 10.0 + s])))
    assert f["param_divergence"] > 1e-4
    assert "ddp-parameters-diverge" in present(kb, f)


def test_rounding_is_no_divergence(kb, tmp_path):
    f = findings(load(run_files(tmp_path, params=lambda r, s: [1.0 + s + 1e-15 * r, 2.0 + s, 10.0 + s])))
    assert f["param_divergence"] < 1e-12 and "ddp-parameters-diverge" not in present(kb, f)


def test_batch_norm_on_a_small_local_batch(kb, tmp_path):
    files = [write(tmp_path, f"run.rank{r}.jsonl", header(r, batchnorm_layers=["bn"], batch_size=4), rows(r)) for r in range(2)]
    f = findings(load(files))
    assert f["bn_local_batch"] == 4 and "ddp-batchnorm-small-local-batch" in present(kb, f)
    files = [write(tmp_path, f"big.rank{r}.jsonl", header(r, run="b", batchnorm_layers=["bn"], batch_size=64), rows(r)) for r in range(2)]
    assert "ddp-batchnorm-small-local-batch" not in present(kb, findings(load(files)))


def test_one_rank_waits_for_its_data(kb, tmp_path):
    files = [write(tmp_path, f"run.rank{r}.jsonl", header(r), rows(r, step_time=0.03, data_time=0.02 if r == 1 else 0.001))
             for r in range(2)]
    f = findings(load(files))
    assert f["straggler_share"] == pytest.approx(0.019 / 0.03)
    assert "ddp-rank-waits-for-data" in present(kb, f)


def test_timing_of_ranks_that_do_not_synchronise_is_not_compared(tmp_path):
    files = [write(tmp_path, f"run.rank{r}.jsonl", header(r, ddp=False), rows(r, data_time=0.009 if r else 0.0)) for r in range(2)]
    f = findings(load(files))
    assert f["straggler_share"] is None and f["step_time_ratio"] is None


def test_learning_rate_against_a_single_process_baseline(kb, tmp_path):
    base_head = {k: v for k, v in header(0).items() if k not in ("rank", "world_size", "run_id", "ddp")}
    base = (base_head, [{**r, "losses": [2.0 / (1 + 2 * r["step"])]} for r in rows(0, epochs=6)])  # batch 32, lr 0.05
    same_lr = load(run_files(tmp_path))  # two ranks of 32: the batch doubled, lr 0.05 as before
    f = findings(same_lr, base)
    assert f["lr_batch_scaling"] == pytest.approx(0.0)
    assert f["baseline_loss_ratio"] > 1.5  # at equal examples the baseline took twice the steps
    assert {"ddp-lr-not-scaled-with-batch", "ddp-undertrained-vs-baseline"} <= present(kb, f)
    top = engine.rank(kb, engine.judge(kb, "distributed", f))[0]
    assert top.cause == "ddp-lr-not-scaled" and top.score >= 0.5
    scaled = load([write(tmp_path, f"lin.rank{r}.jsonl", header(r, run="lin"), rows(r, lr=0.1)) for r in range(2)])
    assert findings(scaled, base)["lr_batch_scaling"] == pytest.approx(1.0)


def test_without_a_baseline_the_scaling_is_unknown(tmp_path):
    f = findings(load(run_files(tmp_path)))
    assert f["lr_batch_scaling"] is None and f["baseline_loss_ratio"] is None


# ---------------------------------------------------------------- through the command line

def dldoctor(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_cli_merges_the_ranks_and_names_the_cause(tmp_path):
    run_files(tmp_path, fp=lambda r, e, i: f"e{e}b{i}")
    p = dldoctor("diagnose", "--record", str(tmp_path / "run.jsonl"), "--format", "json")
    assert p.returncode == 1, p.stderr
    report = json.loads(p.stdout)
    assert report["causes"][0]["id"] == "ddp-duplicated-data"
    by_id = {x["id"]: x for x in report["probes"]}
    assert by_id["distributed"]["status"] == "ok" and by_id["record"]["status"] == "ok"


def test_cli_takes_a_glob_and_a_baseline(tmp_path):
    run_files(tmp_path)
    base = write(tmp_path, "single.jsonl", {k: v for k, v in header(0).items() if k not in ("rank", "world_size", "run_id")},
                 [{**r, "losses": [2.0 / (1 + 2 * r["step"])]} for r in rows(0, epochs=6)])
    p = dldoctor("diagnose", "--record", str(tmp_path / "run.rank*.jsonl"), "--baseline", base, "--format", "json")
    report = json.loads(p.stdout)
    assert report["causes"][0]["id"] == "ddp-lr-not-scaled", p.stderr


@pytest.mark.parametrize("args, where", [
    (["--record", "solo.jsonl", "--baseline", "x.jsonl"], "--baseline"),  # a baseline for a single-process record
    (["--record", "run.jsonl", "--world-size", "1"], "--world-size"),
    (["--record", "run.jsonl", "--world-size", "two"], "--world-size"),
])
def test_cli_bad_distributed_arguments(tmp_path, args, where):
    run_files(tmp_path)
    write(tmp_path, "solo.jsonl", {k: v for k, v in header(0).items() if k not in ("rank", "world_size", "run_id")}, rows(0))
    p = dldoctor("diagnose", *args, cwd=tmp_path)
    assert p.returncode == 2 and where in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_reading_rank_files_is_torch_free():
    code = "import sys; import dldoctor.probes.record_ranks, dldoctor.probes.distributed; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    assert {f.name for f in record_ranks.FINDINGS} >= {"duplicate_batch_frac", "epoch_repeat_frac", "param_divergence"}
