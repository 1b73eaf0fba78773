"""A target that hangs, exhausts memory or ends its own process costs one probe, never the diagnosis.

Targets run in a worker process with a time limit per probe and a memory cap; each hostile target
below ends its first probe (``runs``) within the limit, the report still comes out, and it names
the crash.  Also: the worker runs torch on DLDOCTOR_THREADS threads (default 1), gives the user's
code the working directory it started in before every probe, and a diagnosis writes no file beside
the target or in the working directory.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from dldoctor.expert.diagnosis import diagnose
from dldoctor.expert.runner import WorkerRunner

HOSTILE = Path(__file__).parent / "hostile"
BUDGET, TIMEOUT, MEMORY_MB = 30.0, 3.0, 2000  # small: fast, and never a danger to a shared machine


@pytest.fixture(scope="module")
def kb():
    from dldoctor.expert.knowledge import load_kb

    return load_kb()


@pytest.mark.parametrize("name,message,cause", [
    ("sleeps", "timed out after 3.0 s (the worker was stopped)", "code-crash"),
    ("exits", "the worker process exited with code 3", "code-crash"),
    ("allocates", "can't allocate memory", "out-of-memory"),
])
def test_a_hostile_model_costs_one_probe_and_the_report_names_it(name, message, cause, kb):
    t0 = time.monotonic()
    report = diagnose(str(HOSTILE / f"{name}.py"), budget=BUDGET, probe_timeout=TIMEOUT, memory_limit_mb=MEMORY_MB, kb=kb)
    elapsed = time.monotonic() - t0
    assert elapsed < BUDGET + 30, elapsed  # generous: the machine is shared
    ran = [p for p in report.probes if p["status"] != "skipped"]
    first = ran[0]
    assert first["id"] == "runs" and first["seconds"] < TIMEOUT + 20
    said = first["message"] + " ".join(first["notes"])
    assert message in said, said
    assert first["findings"]["crashed"] is True
    if name == "allocates":  # the cap turned the runaway allocation into an exception: the crash itself
        assert first["status"] == "ok" and first["findings"]["failure_kind"] == "out-of-memory"
    else:  # the probe did not come back: failed, with the crash as what it established
        assert first["status"] == "failed"
    assert report.causes[0].id == cause and report.verdict == "problems"
    assert any(p["status"] == "ok" for p in ran[1:])  # the diagnosis went on with the probes that can run
    assert json.loads(report.dumps())["probes"]


def test_the_next_probe_gets_a_fresh_worker():
    runner = WorkerRunner(str(HOSTILE / "exits.py"), memory_limit_mb=MEMORY_MB)
    try:
        runner.load()
        assert runner.run("runs", 20).status == "failed"
        assert runner.proc is None
        after = runner.run("class-balance", 60)
        assert after.status == "ok" and runner.starts == 2
    finally:
        runner.close()
    assert runner.proc is None


def test_torch_threads_and_the_working_directory_inside_the_worker(monkeypatch, tmp_path):
    monkeypatch.setenv("DLDOCTOR_THREADS", "2")
    monkeypatch.chdir(tmp_path)
    runner = WorkerRunner(str(HOSTILE / "reports_env.py"), memory_limit_mb=MEMORY_MB)
    try:
        runner.load()  # subject() chdir()s to / ...
        for _ in range(2):  # ... and so does every forward; each probe still starts where the worker did
            r = runner.run("runs", 60)
            assert f"threads=2 cwd={tmp_path}" in " ".join(r.notes)
    finally:
        runner.close()


def _listing(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def test_a_diagnosis_writes_nothing_beside_the_target_or_in_the_working_directory(tmp_path, monkeypatch, kb):
    project, cwd = tmp_path / "project", tmp_path / "cwd"
    project.mkdir()
    cwd.mkdir()
    shutil.copy(HOSTILE / "hostile_base.py", project)
    (project / "train_setup.py").write_text("from hostile_base import setup\n\n\ndef subject():\n    return setup()\n")
    monkeypatch.chdir(cwd)
    before = (_listing(project), _listing(cwd))
    report = diagnose(str(project / "train_setup.py"), budget=4, probe_timeout=20, memory_limit_mb=MEMORY_MB, kb=kb)
    assert [p for p in report.probes if p["status"] == "ok"]
    assert (_listing(project), _listing(cwd)) == before
    assert os.getcwd() == str(cwd)


def test_a_worker_whose_parent_dies_exits_by_itself(tmp_path):
    import signal
    import subprocess
    import sys

    flag = tmp_path / "worker.pid"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from expert.runner import WorkerRunner\n"
        "r = WorkerRunner('tests/hostile/slow.py', memory_limit_mb=2000)\n"
        "r.load()\n"
        "r._send({'op': 'probe', 'id': 'runs', 'timeout_s': 100})\n"
        "time.sleep(100)\n")], cwd=HOSTILE.parent.parent, env=dict(os.environ, HOSTILE_FLAG=str(flag), DLDOCTOR_WRITABLE=str(tmp_path)))
    try:
        deadline = time.monotonic() + 90
        while not (flag.exists() and flag.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        worker = int(flag.read_text())  # inside the user's forward, sleeping
        parent.send_signal(signal.SIGKILL)  # no cleanup runs in the parent
        parent.wait(timeout=10)
        for _ in range(100):
            if _gone(worker):
                break
            time.sleep(0.1)
        else:
            os.kill(worker, signal.SIGKILL)
            pytest.fail("the orphaned worker kept running")
    finally:
        if parent.poll() is None:
            parent.kill()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True
