"""Real two-rank DDP runs (torch.multiprocessing.spawn, gloo, CPU) under the watch, then diagnosed from
their records with ``dldoctor diagnose --record OUT/run.jsonl``, as a user (and the acceptance checks)
would: the user's script is tests/ddp/train_ddp.py, one mode per fault.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "ddp" / "train_ddp.py"
_RUNS: dict = {}


def train(out: Path, mode: str, epochs: int, teardown_s: float = 20.0, env: dict | None = None) -> None:
    """Run the user's script until it exits cleanly, or until both ranks' records are closed (done.rank{R}) and it
    then aborts or hangs in gloo's teardown, which is torch's and not what these tests judge; else AssertionError."""
    out.mkdir(parents=True, exist_ok=True)
    err = open(out / "stderr.txt", "w+")
    p = subprocess.Popen([sys.executable, str(SCRIPT), str(out), mode, str(epochs)], stdout=subprocess.DEVNULL,
                         stderr=err, start_new_session=True,
                         env={**os.environ, **(env or {})})
    done_at = None
    try:
        for _ in range(6000):  # 0.1 s polls: a safety net of 10 minutes
            rc = p.poll()
            done = all((out / f"done.rank{r}").exists() for r in range(2))
            if rc is not None:
                assert rc == 0 or done, (out / "stderr.txt").read_text()[-2000:]
                return
            if done:
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at > teardown_s:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{mode}: the training script did not finish")
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)  # the script and the ranks it spawned
            p.wait()
        err.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """mode -> the folder its run wrote (each mode trained once per test session)."""
    root = tmp_path_factory.mktemp("ddp")

    def get(mode: str, epochs: int = 3) -> Path:
        key = (mode, epochs)
        if key not in _RUNS:
            out = root / f"{mode}-{epochs}"
            train(out, mode, epochs)
            _RUNS[key] = out
        return _RUNS[key]

    return get


def diagnose(*args) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", *args, "--format", "json"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout)


def ddp_scores(report) -> dict:
    return {c["id"]: c["score"] for c in report["causes"] if c["id"].startswith("ddp-")}


def test_each_rank_writes_its_own_record(runs):
    out = runs("sampler")
    files = sorted(out.glob("run.rank*.jsonl"))
    assert [f.name for f in files] == ["run.rank0.jsonl", "run.rank1.jsonl"] and not (out / "run.jsonl").exists()
    heads = [json.loads(f.read_text().splitlines()[0]) for f in files]
    assert [h["rank"] for h in heads] == [0, 1]
    assert all(h["world_size"] == 2 and h["backend"] == "gloo" and h["batch_size"] == 32 and h["ddp"] for h in heads)
    assert heads[0]["run_id"] == heads[1]["run_id"] and heads[0]["run_id_from"] == "store"
    rows = [[json.loads(s) for s in f.read_text().splitlines()[1:] if '"step"' in s] for f in files]
    assert all(len(r["batch_fps"]) == len(r["losses"]) for rs in rows for r in rs)
    sums = [[r["params_fp"] for r in rs if r.get("recorded")] for rs in rows]
    assert sums[0] == sums[1]  # DDP replicas: the same weights to the last bit, step by step
    fps = [[fp for r in rs for fp in r["batch_fps"]] for rs in rows]
    assert not set(fps[0]) & set(fps[1])  # disjoint shards


def test_a_rank_that_aborts_after_its_record_is_closed_still_gives_a_diagnosable_run(tmp_path):
    out = tmp_path / "abort"
    train(out, "sampler", 1, env={"TRAIN_DDP_TEARDOWN": "abort"})
    _, report = diagnose("--record", str(out / "run.jsonl"))
    assert next(p for p in report["probes"] if p["id"] == "distributed")["status"] == "ok"


def test_a_rank_that_fails_before_its_record_is_closed_fails_the_run(tmp_path):
    out = tmp_path / "fail"
    with pytest.raises(AssertionError, match="TRAIN_DDP_FAIL"):
        train(out, "sampler", 0, env={"TRAIN_DDP_FAIL": "1"})


def test_plain_loaders_seeded_alike_are_duplicated_data(runs):
    code, report = diagnose("--record", str(runs("plain") / "run.jsonl"))
    assert code == 1 and report["causes"][0]["id"] == "ddp-duplicated-data"
    probe = next(p for p in report["probes"] if p["id"] == "distributed")
    assert probe["status"] == "ok"


def test_distributed_sampler_with_set_epoch_is_healthy(runs):
    code, report = diagnose("--record", str(runs("sampler") / "run.jsonl"))
    assert code == 0 and report["verdict"] == "healthy", report["causes"][:3]
    assert max(ddp_scores(report).values()) < 0.5


def test_without_set_epoch_the_order_repeats(runs):
    code, report = diagnose("--record", str(runs("no-set-epoch") / "run.jsonl"))
    assert code == 1 and report["causes"][0]["id"] == "ddp-sampler-epoch-not-set"


def test_a_model_left_unwrapped_drifts_apart(runs):
    code, report = diagnose("--record", str(runs("unsynced") / "run.jsonl"))
    assert report["causes"][0]["id"] == "ddp-unsynced-parameters"


def test_a_glob_reads_the_same_run(runs):
    _, by_path = diagnose("--record", str(runs("plain") / "run.jsonl"))
    _, by_glob = diagnose("--record", str(runs("plain") / "run.rank*.jsonl"))
    assert by_glob["causes"][0]["id"] == by_path["causes"][0]["id"] == "ddp-duplicated-data"


def test_a_second_run_in_the_same_folder_is_not_merged_with_the_first(runs, tmp_path):
    """The same folder and pattern: a plain run's rank 1 left behind, then a healthy run whose rank 1 is lost."""
    import shutil

    plain, healthy = runs("plain"), runs("sampler")
    shutil.copy(plain / "run.rank1.jsonl", tmp_path / "run.rank1.jsonl")
    shutil.copy(healthy / "run.rank0.jsonl", tmp_path / "run.rank0.jsonl")
    _, report = diagnose("--record", str(tmp_path / "run.jsonl"))
    probe = next(p for p in report["probes"] if p["id"] == "distributed")
    notes = " ".join(probe.get("notes", []))
    assert "not merged" in notes and "of 2 left no record" in notes
    assert "ddp-duplicated-data" not in [c["id"] for c in report["causes"] if c["score"] >= 0.5]
