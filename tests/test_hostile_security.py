"""Issue 13, part 1: no code runs that should not, no user file is lost.

A planted KB cache is data (never unpickled); a session file never imports the target it names; a
module in the working directory never shadows a library inside the worker; ``--output`` is checked
before the diagnosis and written atomically; a ``train_step`` that saves checkpoints never touches
the user's files, and the report says what it tried to write.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dldoctor.expert.cli import main
from dldoctor.expert.knowledge import _fingerprint, cache_dir, load_kb

ROOT = Path(__file__).parent.parent
HOSTILE = Path(__file__).parent / "hostile"


class _Payload:
    """Unpickling this object creates a marker file: proof that a cache file ran code."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


# ---------------------------------------------------------------- the KB cache

@pytest.fixture()
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDOCTOR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _cache_file(cache: Path) -> Path:
    return cache / f"kb-{_fingerprint([], True)}.json"


def test_a_planted_pickle_is_never_run(private_cache, tmp_path):
    marker = tmp_path / "pwned"
    private_cache.mkdir()
    evil = pickle.dumps(_Payload(str(marker)))
    for name in (f"kb-{_fingerprint([], True)}.pickle", _cache_file(private_cache).name):  # the old name and the new
        (private_cache / name).write_bytes(evil)
    kb = load_kb()
    assert "code-crash" in kb.causes and not marker.exists()
    assert json.loads(_cache_file(private_cache).read_text())["dldoctor_kb_cache"] == 1  # rewritten as plain JSON


@pytest.mark.parametrize("content", [
    b"[1, 2, 3]",  # JSON of the wrong type
    b'{"dldoctor_kb_cache": 1, "fingerprint": "FP", "causes": {"$d": {"x": {"$": "Cause", "id": 1}}}}',
    b'{"dldoctor_kb_cache": 1, "fingerprint": "FP", "stages": {"$d": {}}, "symptoms": "nope"}',
    b'{"dldoctor_kb_cache": 1, "fingerprint": "FP", "causes": {"$": "os.system", "command": "true"}}',
    b"[" * 100_000,  # nested past the JSON decoder's recursion limit
    b"\xff\xfe garbage",
])
def test_a_cache_file_of_the_wrong_type_is_ignored_and_rewritten(private_cache, content):
    fresh = load_kb(use_cache=False)
    private_cache.mkdir()
    path = _cache_file(private_cache)
    path.write_bytes(content.replace(b"FP", _fingerprint([], True).encode()))
    kb = load_kb()
    assert kb.causes == fresh.causes and kb.by_symptom == fresh.by_symptom and kb.probes == fresh.probes
    again = load_kb()  # now read from the repaired cache
    assert path.read_bytes() != content and again.causes == fresh.causes and again.symptoms == fresh.symptoms


def test_the_json_cache_gives_the_same_kb_as_compiling(private_cache):
    fresh = load_kb(use_cache=False)
    load_kb()
    cached = load_kb()
    import dataclasses

    tables = [f.name for f in dataclasses.fields(fresh) if not f.name.startswith("_")]
    assert len(tables) >= 11
    for table in tables:  # every field the compiled KB has, now and later
        assert getattr(cached, table) == getattr(fresh, table), table
    assert list(cached.by_symptom) == list(fresh.by_symptom)
    assert cache_dir() == private_cache and not list(private_cache.glob("*.pickle"))


# ---------------------------------------------------------------- a session file is data

def test_resume_never_imports_the_target_a_session_names(tmp_path, private_cache):
    from dldoctor.tui.app import make_app

    marker = tmp_path / "imported"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').close()\n\ndef subject():\n    open({str(marker)!r}, 'w').close()\n")
    session = tmp_path / "s.json"
    session.write_text(json.dumps({"dldoctor_session": 1, "target": str(evil), "threshold": 0.5, "events": []}))
    app = make_app(None, resume=str(session))
    assert app.runner is None and not marker.exists()
    assert any(str(evil) in n and "not loaded" in n for n in app.notices)


@pytest.mark.parametrize("data", [
    {"dldoctor_session": 1, "target": ["x.py"], "events": []},
    {"dldoctor_session": 1, "threshold": "high", "events": []},
    {"dldoctor_session": 1, "events": [{"answer": ["a"], "reply": "yes"}, {"skip": {"x": 1}}, {"answer": "x", "reply": 3}]},
    {"dldoctor_session": 1, "events": [{"probe": {"id": "runs", "status": "ok", "findings": [1, 2]}},
                                       {"probe": {"id": "runs", "status": "ok", "findings": {"crashed": {"a": 1}}}},
                                       {"probe": {"id": "runs", "status": 7}}, {"probe": {"id": ["runs"]}},
                                       {"probe": {"id": "runs", "status": "ok", "confidence": {"crashed": "x"}}}]},
])
def test_a_session_file_of_wrong_types_is_one_line_or_a_warning(tmp_path, private_cache, data, capsys):
    from dldoctor.tui.app import make_app
    from dldoctor.tui.persist import SessionFileError

    session = tmp_path / "s.json"
    session.write_text(json.dumps(data))
    try:
        app = make_app(None, resume=str(session))
    except SessionFileError as exc:
        assert str(session) in str(exc) and "\n" not in str(exc)
    else:
        assert app.notices and not app.conv.diag.answers and not app.conv.diag.records


def test_the_tui_command_with_a_bad_session_file_exits_2_with_one_line(tmp_path, private_cache, capsys):
    session = tmp_path / "s.json"
    session.write_text('{"dldoctor_session": 1, "target": 5, "events": []}')
    assert main(["tui", "--resume", str(session)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(session) in err and "'target'" in err


# ---------------------------------------------------------------- the worker's sys.path

def test_a_module_in_the_working_directory_never_shadows_a_library_in_the_worker(tmp_path, private_cache):
    from dldoctor.expert.runner import WorkerRunner

    marker = tmp_path / "shadowed"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for name in ("numpy", "torch", "json", "yaml"):
        (cwd / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\nraise SystemExit(9)\n")
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(HOSTILE / "hostile_base.py", target)
    (target / "train.py").write_text("import numpy\nfrom hostile_base import setup\n\n\ndef subject():\n    return setup()\n")
    here = os.getcwd()
    os.chdir(cwd)
    try:
        runner = WorkerRunner(str(target / "train.py"), memory_limit_mb=2000)
        try:
            assert "model" in runner.load()
            assert runner.run("runs", 60).status == "ok"
        finally:
            runner.close()
    finally:
        os.chdir(here)
    assert not marker.exists()


# ---------------------------------------------------------------- --output

@pytest.mark.parametrize("where", ["missing/report.json", "."])
def test_output_into_a_missing_folder_or_onto_a_folder_exits_2_before_the_diagnosis(tmp_path, where, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    marker = tmp_path / "loaded"
    (tmp_path / "project" / "t.py").write_text(f"open({str(marker)!r}, 'w').close()\n\ndef subject():\n    return {{}}\n")
    code = main(["diagnose", "project/t.py", "--output", where])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--output" in err and where in err
    assert not marker.exists()  # refused before the target was even loaded


def test_a_failed_write_leaves_the_old_report_whole(tmp_path, monkeypatch):
    from dldoctor.expert import output_file

    report = tmp_path / "report.json"
    report.write_text("the old report\n")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the write fails before the new file is complete
    with pytest.raises(OSError):
        output_file.write(str(report), "x" * 1_000_000)
    monkeypatch.undo()
    assert report.read_text() == "the old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left behind
    output_file.write(str(report), "the new report\n")
    assert report.read_text() == "the new report\n"


# ---------------------------------------------------------------- the user's files

def _digests(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_step_that_saves_checkpoints_never_touches_the_users_files(tmp_path, private_cache):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("hostile_base.py", "saves_checkpoint.py"):
        shutil.copy(HOSTILE / name, project)
    (project / "checkpoint.pt").write_bytes(b"the user's own checkpoint")
    (project / "train.log").write_text("the user's own log\n")
    before = _digests(project)
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", str(project / "saves_checkpoint.py"),
                           "--format", "json", "--output", str(out), "--budget", "40", "--probe-timeout", "30",
                           "--probes", "runs,overfit-one-batch,train-step-audit"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    assert _digests(project) == before and sorted(p.name for p in project.iterdir()) == sorted(before)
    report = json.loads(out.read_text())
    tried = report["meta"]["writes"]
    assert any(w.endswith("checkpoint.pt") for w in tried) and any(w.endswith("train.log") for w in tried)
    ran = [p for p in report["probes"] if p["status"] == "ok" and p["id"] != "runs"]
    assert ran and any("checkpoint.pt" in n for p in ran for n in p["notes"])
    assert not [p for p in report["probes"] if p["status"] == "failed"]  # the step still trains (redirected, not refused)


def test_the_write_guard_redirects_refuses_and_records(tmp_path):
    from dldoctor.expert.write_guard import WriteGuard

    user, scratch = tmp_path / "user", tmp_path / "scratch"
    user.mkdir()
    scratch.mkdir()
    (user / "log.txt").write_text("old\n")
    early = open(user / "early.txt", "w")  # opened before the guard: its writes are the caller's, not the probe's
    with WriteGuard(str(scratch)) as g:
        with open(user / "log.txt", "a") as f:
            f.write("new\n")
        assert (user / "log.txt").read_text() == "old\nnew\n"  # reads see the redirected copy
        (user / "sub").mkdir()
        (user / "sub" / "x.bin").write_bytes(b"1")
        os.replace(user / "log.txt", user / "moved.txt")
        os.remove(user / "log.txt")
        with pytest.raises(PermissionError):
            os.truncate(user / "early.txt", 0)
    early.close()
    assert (user / "log.txt").read_text() == "old\n" and sorted(p.name for p in user.iterdir()) == ["early.txt", "log.txt"]
    names = {Path(p).name for p in g.attempted}
    assert {"log.txt", "sub", "x.bin", "moved.txt", "early.txt"} <= names
    import builtins
    import io

    assert builtins.open is io.open and getattr(builtins.open, "__self__", None) is not g  # put back


def test_an_in_process_diagnosis_redirects_the_steps_writes_too(tmp_path):
    import torch
    from torch import nn

    from dldoctor.expert.diagnosis import diagnose

    ckpt, log = tmp_path / "checkpoint.pt", tmp_path / "train.log"
    ckpt.write_bytes(b"mine")
    log.write_text("mine\n")

    def step(model, batch, optimizer, loss_fn):
        x, y = batch
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        torch.save(model.state_dict(), ckpt)
        with open(log, "a") as f:
            f.write("x\n")
        return loss

    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    subject = {"model": nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), "loss_fn": nn.CrossEntropyLoss(),
               "train_data": [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)], "train_step": step}
    report = diagnose(subject, budget=30, probe_timeout=30, probes=["runs", "overfit-one-batch"])
    assert ckpt.read_bytes() == b"mine" and log.read_text() == "mine\n"
    assert {Path(w).name for w in report.meta["writes"]} == {"checkpoint.pt", "train.log"}
    with open(tmp_path / "after.txt", "w") as f:  # the guard is off again: the caller's own writes are real
        f.write("real")
    assert (tmp_path / "after.txt").read_text() == "real"
