"""Issue 13, part 2: nothing hangs, no silent wrong verdict, every bad input gets one line.

Crash patterns from a user KB are matched by RE2 (a backtracking pattern cannot spin); a KB folder
is read as regular files within bounds; nonsense numeric flags are refused; a diagnosis whose probes
failed is never healthy; the report is strict JSON; SIGTERM and SIGHUP end like Ctrl-C; the caller's
ITIMER_REAL survives an in-process diagnosis; the user's own memory cap is honoured.
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dldoctor.expert.cli import main

ROOT = Path(__file__).parent.parent
HOSTILE = Path(__file__).parent / "hostile"


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ---------------------------------------------------------------- crash patterns: RE2

def _ext_kb(tmp_path: Path, regex: str) -> Path:
    ext = tmp_path / "ext"
    ext.mkdir()
    (ext / "patterns.yaml").write_text(f"patterns:\n  - kind: shape-mismatch\n    regex: '{regex}'\n    note: x\n")
    return ext


def test_a_catastrophic_pattern_matches_in_linear_time():
    from dldoctor.probes.runs import classify

    message = "RuntimeError: " + "a" * 50_000 + "!"
    assert classify(message, [("shape-mismatch", "(a+)+$"), ("other-kind", "(x+x+)+y")]) == "other"
    assert classify("RuntimeError: AAAA", [("shape-mismatch", "(a+)+$")]) == "shape-mismatch"  # case-insensitive


@pytest.mark.parametrize("regex", [r"(a)\1", "(?=look)ahead", "(?<!x)y"])
def test_kb_check_refuses_a_pattern_re2_cannot_run_with_its_line(tmp_path, regex, capsys):
    ext = _ext_kb(tmp_path, regex)
    assert main(["kb", "check", "--kb", str(ext)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert "patterns.yaml:3" in text and "regular expression" in text and "Traceback" not in text


# ---------------------------------------------------------------- KB folders

def _kb_problems(*dirs) -> list[str]:
    from dldoctor.expert.compiler import compile_kb
    from dldoctor.expert.problems import KBError

    try:
        compile_kb(list(dirs), builtin=False)
    except KBError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_fifo_a_device_link_and_a_dangling_link_are_named_not_read(tmp_path):
    ext = tmp_path / "ext"
    (ext / "symptoms").mkdir(parents=True)
    os.mkfifo(ext / "symptoms" / "fifo.yaml")  # reading it would wait for a writer forever
    (ext / "symptoms" / "zero.yaml").symlink_to("/dev/zero")  # reading it would never end
    (ext / "symptoms" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    found = _kb_problems(ext)
    assert any("fifo.yaml" in p and "not a regular file" in p for p in found)
    assert any("zero.yaml" in p and "not a regular file" in p for p in found)
    assert any("gone.yaml" in p and "dangling" in p for p in found)


def test_a_dangling_link_in_a_kb_folder_is_one_line_through_the_cli(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DLDOCTOR_CACHE_DIR", str(tmp_path / "cache"))
    ext = tmp_path / "ext"
    (ext / "causes").mkdir(parents=True)
    (ext / "causes" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert main(["diagnose", "--answers", str(tmp_path / "none.yaml"), "--kb", str(ext)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "gone.yaml" in line


def test_a_kb_folder_that_is_the_whole_disk_is_refused_not_walked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLDOCTOR_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.dldoctor]\nkb = ["/"]\n')
    monkeypatch.chdir(project)
    assert main(["diagnose", "--answers", "x.yaml"]) == 2
    assert "not a KB folder" in _one_line(capsys.readouterr().err)


def test_a_deep_folder_tree_is_refused(tmp_path):
    from dldoctor.expert.kb_files import MAX_DEPTH

    deep = tmp_path / "ext"
    folder = deep
    for i in range(MAX_DEPTH + 2):
        folder = folder / f"d{i}"
    folder.mkdir(parents=True)
    assert any("not a KB folder" in p for p in _kb_problems(deep))


# ---------------------------------------------------------------- numeric flags

@pytest.mark.parametrize("flag,value", [
    ("--seed", "-1"), ("--seed", "1.5"), ("--seed", str(2**40)), ("--budget", "nan"), ("--budget", "inf"),
    ("--budget", "-3"), ("--budget", "0"), ("--probe-timeout", "nan"), ("--probe-timeout", "-5"),
    ("--memory-budget", "-100"), ("--memory-budget", "nan"), ("--fail-on", "nan"), ("--fail-on", "2"),
])
def test_a_nonsense_number_is_one_line_and_exit_2(flag, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["diagnose", "--example", "healthy-digits", flag, value])
    assert exc.value.code == 2
    assert flag in _one_line(capsys.readouterr().err)


def test_the_python_api_refuses_the_same_numbers():
    from dldoctor.expert.diagnosis import diagnose

    for kwargs in ({"budget": math.nan}, {"probe_timeout": math.inf}, {"seed": -1}, {"memory_budget_mb": -100.0},
                   {"fail_on": math.nan}):
        with pytest.raises(ValueError):
            diagnose(None, **kwargs)


# ---------------------------------------------------------------- verdicts that must not be healthy

def _diagnose_json(tmp_path, target: str, *extra, env=None) -> tuple[int, dict | None, str]:
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", target, "--format", "json",
                           "--output", str(out), "--budget", "40", "--probe-timeout", "20", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=dict(os.environ, **(env or {})))
    return proc.returncode, (_strict(out.read_text()) if out.exists() else None), proc.stderr


def test_a_model_that_crashes_on_its_fifth_call_could_not_be_diagnosed(tmp_path):
    code, report, err = _diagnose_json(tmp_path, "tests/hostile/crashes_fifth_call.py")
    assert code == 2 and report["verdict"] != "healthy" and report["diagnosed"] is False
    assert "the cache index ran past its end" in report["undiagnosed"]
    assert "could not diagnose" in err.strip().splitlines()[-1] and "Traceback" not in err  # progress lines come first


def test_a_worker_killed_while_a_child_holds_its_pipes_names_the_crash_at_once(tmp_path):
    t0 = time.monotonic()
    code, report, err = _diagnose_json(tmp_path, "tests/hostile/fork_holds_pipe.py", "--probe-timeout", "200",
                                       "--budget", "400")
    assert code == 1 and report["verdict"] == "problems" and report["causes"][0]["id"] == "code-crash"
    runs = next(p for p in report["probes"] if p["id"] == "runs")
    assert runs["status"] == "failed" and "exited with code 3" in runs["message"]  # not "timed out after 200 s"
    assert time.monotonic() - t0 < 200  # safety net: a full probe timeout would have been reached


def test_a_naive_fork_in_subject_is_harmless(tmp_path):
    code, report, err = _diagnose_json(tmp_path, "tests/hostile/forks_in_subject.py", "--probes", "runs,input-stats")
    assert code in (0, 1) and "Traceback" not in err, err
    assert [p["status"] for p in report["probes"] if p["id"] in ("runs", "input-stats")] == ["ok", "ok"]


@pytest.mark.parametrize("name,says", [
    ("one_shot_iterable", "iterable only once"),
    ("grad_disabled", "autograd is switched off"),
])
def test_a_target_that_cannot_be_measured_is_one_line_exit_2(tmp_path, name, says):
    code, report, err = _diagnose_json(tmp_path, f"tests/hostile/{name}.py")
    assert code == 2 and report is None
    line = _one_line(err)
    assert says in line and f"{name}.py" in line and "frozen" not in line


def test_undiagnosed_when_no_probe_measured():
    from dldoctor.expert.knowledge import load_kb
    from dldoctor.expert.report import build
    from dldoctor.expert.session import Diagnosis

    kb = load_kb()
    diag = Diagnosis(kb, keys={"model", "train_data", "loss_fn"})
    from dldoctor.probes.result import ProbeResult

    for pid in kb.probes:
        diag.records[pid] = ProbeResult.failed(pid, "MemoryError: too big to snapshot")
    report = build(diag)
    assert report.verdict == "problems" and not report.diagnosed and "too big to snapshot" in report.undiagnosed
    assert _strict(report.dumps())["diagnosed"] is False


# ---------------------------------------------------------------- strict JSON

def test_non_finite_numbers_are_null_in_the_json_report(tmp_path):
    code, report, err = _diagnose_json(tmp_path, "tests/hostile/inf_outputs.py", "--probes", "runs,loss-at-init,numerics")
    assert code in (0, 1), err  # _diagnose_json parsed the report strictly: no NaN, no Infinity
    numerics = next(p for p in report["probes"] if p["id"] == "loss-at-init")
    assert numerics["status"] == "ok" and None in numerics["findings"].values()


def test_finite_converts_every_nested_non_finite_number():
    from dldoctor.expert.report import finite

    data = {"a": math.nan, "b": [math.inf, {"c": -math.inf, "d": (1.0, math.nan)}], "e": 1.5}
    assert finite(data) == {"a": None, "b": [None, {"c": None, "d": [1.0, None]}], "e": 1.5}


def test_the_schema_says_non_finite_numbers_are_null():
    schema = json.loads((ROOT / "expert" / "report.schema.json").read_text())
    assert "null" in schema["description"] and "NaN" in schema["description"]
    assert schema["properties"]["diagnosed"]["type"] == "boolean"


# ---------------------------------------------------------------- signals

def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_print_the_report_so_far_and_leave_no_process(tmp_path, sig):
    flag = tmp_path / "worker.pid"
    env = dict(os.environ, HOSTILE_FLAG=str(flag), DLDOCTOR_WRITABLE=str(tmp_path), DLDOCTOR_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", "tests/hostile/slow.py", "--format",
                             "json", "--budget", "120", "--probe-timeout", "100"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not (flag.exists() and flag.read_text()) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert flag.exists(), proc.communicate(timeout=10)
        worker = int(flag.read_text())
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode in (130, 143), err
    report = _strict(out)
    assert report["meta"]["interrupted"] is True
    for _ in range(50):
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker)
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not left, left  # nothing of the diagnosis's process group is left


# ---------------------------------------------------------------- the caller's timer, the user's memory cap

def test_an_in_process_diagnosis_keeps_the_callers_itimer(monkeypatch):
    from dldoctor.expert.limits import watchdog

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    try:
        signal.setitimer(signal.ITIMER_REAL, 50.0, 10.0)
        with watchdog(5.0):
            time.sleep(0.01)
        left, interval = signal.getitimer(signal.ITIMER_REAL)
        assert 40.0 < left <= 50.0 and interval == 10.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired


def test_the_users_memory_limit_is_honoured(monkeypatch):
    from dldoctor.expert.runner import WorkerRunner

    def limit(**kwargs):
        runner = WorkerRunner("x.py", **kwargs)
        runner.close()
        return runner.memory_limit_mb

    monkeypatch.setenv("DLDOCTOR_MEMORY_LIMIT_MB", "1234")
    assert limit() == 1234.0
    assert limit(memory_limit_mb=500) == 500  # an explicit argument wins
    monkeypatch.setenv("DLDOCTOR_MEMORY_LIMIT_MB", "nonsense")
    assert limit() != 1234.0
