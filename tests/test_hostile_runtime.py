"""Targets that load but misbehave when run: evidence in the report, never exit 2, never a hang.

A model whose output the loss cannot take, a loss that is not a scalar tensor: probe ``runs`` reports
the crash at the loss stage with a message saying what is wrong, and the KB names the cause.  NaN in
the data is measured (input-stats, the first loss).  An endless loader is read only as far as each
probe needs.  History files that are cut or not UTF-8: read up to the cut (with a note), or a
failed ``history`` probe whose one line names the file and line.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dldoctor.expert.target import load
from dldoctor.probes.context import ProbeContext
from dldoctor.probes.run import run_probe

HOSTILE = Path(__file__).parent / "hostile"


@pytest.fixture(scope="module")
def patterns():
    from dldoctor.expert.knowledge import load_kb

    return [(p.kind, p.regex) for p in load_kb().patterns]


def runs(name: str, patterns) -> dict:
    return run_probe("runs", load(str(HOSTILE / f"{name}.py")), ProbeContext(patterns=patterns))


@pytest.mark.parametrize("name,says", [
    ("model_tuple", "must be Tensor, not tuple"),
    ("model_dict", "must be Tensor, not dict"),
    ("loss_not_scalar", "loss_fn returned a tensor of shape (16,), not a scalar (reduction='none'? reduce it with .mean())"),
    ("loss_float", "loss_fn returned a float, not a tensor: no gradient flows through it (.item() inside the loss?)"),
])
def test_a_model_or_loss_that_breaks_the_contract_is_a_crash_at_the_loss(name, says, patterns):
    r = runs(name, patterns)
    assert r.status == "ok"
    assert r.findings["crashed"] is True and r.findings["failure_stage"] == "loss"
    assert r.findings["failure_kind"] == "other"
    assert any(says in note for note in r.notes)


def test_a_model_returning_a_tuple_is_reported_as_a_code_crash_exit_1(tmp_path, capsys, monkeypatch):
    from dldoctor.expert.cli import main

    monkeypatch.chdir(Path(__file__).parent.parent)
    out = tmp_path / "report.json"
    code = main(["diagnose", "tests/hostile/model_tuple.py", "--format", "json", "--output", str(out), "--budget", "30"])
    assert code == 1
    report = json.loads(out.read_text())
    assert report["causes"][0]["id"] == "code-crash"
    first = next(p for p in report["probes"] if p["id"] == "runs")
    assert first["findings"]["crashed"] and "not tuple" in " ".join(first["notes"])


def test_nan_in_the_data_is_measured(patterns):
    subject = load(str(HOSTILE / "nan_data.py"))
    stats = run_probe("input-stats", subject, ProbeContext(patterns=patterns))
    assert stats.status == "ok" and stats.findings["nonfinite_inputs"] is True
    r = run_probe("runs", subject, ProbeContext(patterns=patterns))
    assert r.findings["crashed"] is False and r.findings["loss_finite"] is False


def test_an_endless_loader_is_read_only_as_far_as_each_probe_needs():
    from dldoctor.expert.diagnosis import diagnose

    subject = load(str(HOSTILE / "infinite_loader.py"))
    t0 = time.monotonic()
    report = diagnose(subject, budget=10, probe_timeout=15)
    assert time.monotonic() - t0 < 10 + 30  # the budget, plus the probe that was running when it ran out
    ran = [p for p in report.probes if p["status"] != "skipped"]
    assert len(ran) >= 3
    assert not [p for p in ran if p["status"] == "failed"], [(p["id"], p["message"]) for p in ran]


@pytest.mark.parametrize("file,status,says", [
    ("history_cut.jsonl", "ok", "history_cut.jsonl:3: the last line is cut mid-object; read the 2 complete lines before it"),
    ("history_cut.csv", "ok", None),
    ("history_latin1.csv", "failed", "history_latin1.csv:3: not UTF-8 text (byte 0xe9)"),
])
def test_a_history_file_cut_short_or_not_utf8(file, status, says, monkeypatch):
    monkeypatch.setenv("HOSTILE_HISTORY", file)
    r = run_probe("history", load(str(HOSTILE / "with_history.py")), ProbeContext())
    assert r.status == status
    if status == "ok":
        assert r.details["columns"]["train_loss"][:2] == [2.1, 1.5]
        if says:
            assert any(says in n for n in r.notes)
    else:
        assert says in r.message and "\n" not in r.message
