"""The report a person reads: evidence in the reader's units (the KB's templates), the probe
checklist by stage with one summary line last, width that follows COLUMNS, --quiet, folded causes.

Torch-free: canned probe results (tests/fixtures/probe_results.json holds one real result per
probe, recorded from diagnoses of zoo targets) on the built-in KB.
"""
from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from dldoctor.expert import explain
from dldoctor.expert.knowledge import load_kb
from dldoctor.expert.render import checklist
from dldoctor.expert.render.text import render
from dldoctor.expert.report import build
from dldoctor.expert.session import Diagnosis
from dldoctor.probes.result import ProbeResult

def R(data: dict) -> ProbeResult:
    return ProbeResult.from_json(data)


RECORDED = json.loads((Path(__file__).parent / "fixtures" / "probe_results.json").read_text())
STANDARD = {"value", "threshold", "finding", "counts", "value_pct", "threshold_pct", "value_pow10", "threshold_pow10"}


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def probe_symptoms(kb):
    return [s for s in kb.symptoms.values() if s.probe is not None]


def recorded(kb, pid):
    if pid in RECORDED:
        return {k: v for k, v in RECORDED[pid].items() if k != "recorded_from"}
    return {"id": pid, "status": "ok", "findings": {f.name: None for f in kb.probes[pid].findings}, "details": {}}


def test_every_probe_symptom_has_a_template_that_fills_from_a_recorded_result(kb):
    missing = [s.id for s in probe_symptoms(kb) if not s.explain]
    assert not missing, f"no explain template: {missing}"
    from dldoctor.expert.predicate import headline

    for s in probe_symptoms(kb):
        rec = recorded(kb, s.probe.probe)
        names = {f.name for f in kb.probes[s.probe.probe].findings} | STANDARD | set(rec["details"])
        used = {field for _, field, _, _ in string.Formatter().parse(s.explain) if field}
        assert used <= names, f"{s.id}: {sorted(used - names)} is neither a finding of {s.probe.probe} nor in its details"
        finding, value, threshold, op = headline(s.probe, rec["findings"])
        text = explain.fill(s.explain, explain.fields(value, rec, finding, threshold, op))  # KeyError when it names what is not there
        assert text and "{" not in text
        blank = {"findings": {f.name: None for f in kb.probes[s.probe.probe].findings}, "details": rec["details"]}
        assert explain.fill(s.explain, explain.fields(None, blank, finding, threshold, op))  # every finding unknown: still a line


def test_a_template_that_names_what_is_not_there_falls_back_to_the_generic_line(kb):
    from dataclasses import replace

    sym = replace(kb.symptoms["lr-far-above-best"], explain="lr {no_such_thing} too high")
    assert explain.line(sym, 1.5, {"findings": {}, "details": {}}, "log10_lr_ratio", 1.0, ">") == "log10_lr_ratio = 1.5 (> 1 counts)"


def lr_report(kb, columns=None):
    diag = Diagnosis(kb, keys={"model", "train_data", "loss_fn"})
    diag.add_probe_result(R({"id": "runs", "status": "ok", "seconds": 0.1, "steps": 0, "findings": {"crashed": False, "failure_kind": "none",
                           "failure_stage": "none", "failure_module": None, "loss_finite": True}, "details": {}, "notes": []}))
    diag.add_probe_result(R({"id": "lr-range", "status": "ok", "seconds": 2.0, "steps": 66, "notes": [], "details": {},
                           "findings": {"configured_lr": 0.3, "best_lr": 0.0044, "log10_lr_ratio": 1.83, "diverge_lr": 0.2,
                                        "configured_diverges": True}}))
    diag.add_probe_result(R({"id": "overfit-one-batch", "status": "ok", "seconds": 1.0, "steps": 300, "notes": [], "details": {},
                           "findings": {"curve": "explodes", "final_ratio": 12.0, "best_ratio": 0.8, "oscillation": 0.5,
                                        "nonfinite_step": None, "steps": 300}}))
    diag.records["memory"] = ProbeResult.failed("memory", "RuntimeError: boom", 0.1)
    diag.records["history"] = ProbeResult.skipped("history", "the subject has no history")
    return build(diag, {"target": "t.py"})


def test_the_top_evidence_shows_its_value_beside_its_threshold_in_text_and_json(kb):
    report = lr_report(kb)
    top = report.causes[0]
    assert top.id == "lr-too-high"
    ev = next(e for e in top.evidence if e.symptom == "lr-far-above-best")
    assert ev.finding == "log10_lr_ratio" and ev.threshold == 1.0
    assert ev.text == "lr 0.3 is 67.6x the range test's best 0.0044 (> 10x counts)"
    data = json.loads(report.dumps())
    j = next(e for e in data["causes"][0]["evidence"] if e["symptom"] == "lr-far-above-best")
    assert j["finding"] == "log10_lr_ratio" and j["threshold"] == 1.0
    assert "67.6x the range test's best 0.0044 (> 10x counts)" in render(report, width=100)


def test_the_checklist_marks_each_probe_and_the_summary_line_is_last(kb):
    report = lr_report(kb)
    marks = {p.id: p.state for _, lines in checklist.probe_lines(report) for p in lines}
    assert marks == {"runs": "passed", "lr-range": "problem", "overfit-one-batch": "problem", "memory": "failed",
                     "history": "not measured"}
    text = render(report, width=100)
    lines = text.rstrip("\n").splitlines()
    assert lines[-1] == "1 problem · 4 probes · 366 training steps · 3 s"
    assert "! memory" in text and "failed: RuntimeError: boom" in text
    assert "– history" in text and "not measured: the subject has no history" in text
    stages = [ln.strip() for ln in lines if ln.strip() in ("Implement and debug", "Evaluate")]
    assert stages == ["Implement and debug", "Evaluate"]  # grouped in the guide's order
    assert json.loads(report.dumps())["steps_total"] == 366


@pytest.mark.parametrize("columns", [60, 80, 140])
def test_nothing_is_wider_than_columns_and_wrapped_lines_indent_under_their_text(kb, columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    text = render(lr_report(kb))
    assert max(len(ln) for ln in text.splitlines()) <= columns
    panel = [ln for ln in text.splitlines() if ln.startswith("│")]
    assert panel and all(ln[1:4].strip() in ("", "+", "−", "1.", "2.", "3.") for ln in panel)  # continuation lines start under the text
    if columns == 140:
        assert max(len(ln) for ln in text.splitlines()) > 100  # the report uses the room it has


def test_quiet_prints_the_verdict_and_the_problems_only(kb):
    text = render(lr_report(kb), width=100, quiet=True)
    assert text.splitlines()[0].startswith("dldoctor: problems")
    assert "lr-too-high" in text and "Probes" not in text and "Evidence" not in text
    assert len(text.splitlines()) == 1 + len(lr_report(kb).problems())


def test_causes_near_their_prior_are_folded(kb):
    report = lr_report(kb)
    shown, folded = checklist.shown_causes(report)
    assert all(c.score >= checklist.FLOOR for c in shown) and folded == len(report.causes) - len(shown) > 10
    assert f"{folded} more below" in render(report, width=100)


def test_zero_weight_lines_are_left_out(kb):
    report = lr_report(kb)
    for c in report.problems():
        assert all(abs(e.delta) >= checklist.MIN_DELTA for e in checklist.evidence_lines(c))
    assert "+0.0" not in render(report, width=100)


def test_the_crash_message_is_in_every_format(kb):
    from dldoctor.expert.commands.diagnose import render as render_as

    diag = Diagnosis(kb, keys={"model", "train_data", "loss_fn"})
    diag.add_probe_result(R({"id": "runs", "status": "ok", "seconds": 0.1, "notes": [],
                           "findings": {"crashed": True, "failure_kind": "shape-mismatch", "failure_stage": "forward",
                                        "failure_module": "fc1", "loss_finite": None},
                           "details": {"message": "RuntimeError: mat1 and mat2 shapes cannot be multiplied (64x784 and 78x10)"}}))
    report = build(diag, {"target": "t.py"})
    assert report.crash["module"] == "fc1"
    for fmt in ("text", "markdown", "junit"):
        out = " ".join(render_as(report, fmt).split())  # a long line wraps on a terminal
        assert "mat1 and mat2 shapes cannot be multiplied (64x784 and 78x10)" in out, fmt
        assert checklist.summary_line(report) in out, fmt
    assert "https://" in render_as(report, "markdown")  # the references the causes cite


def test_progress_is_a_line_per_probe_on_stderr_when_not_a_terminal(capsys, monkeypatch):
    import argparse

    from dldoctor.expert.commands.diagnose import _progress

    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    with _progress(argparse.Namespace(progress=None, format="json")) as on_event:
        on_event("start", {"probe": "runs", "elapsed": 0, "budget": 120})
        on_event("done", {"probe": "runs", "status": "ok", "seconds": 0.2, "steps": 0})
        on_event("done", {"probe": "lr-range", "status": "ok", "seconds": 1.5, "steps": 66})
    err = capsys.readouterr().err.splitlines()
    assert err == ["dldoctor: [1] runs: ok (0.2 s)", "dldoctor: [2] lr-range: ok (1.5 s, 66 steps)"]
    with _progress(argparse.Namespace(progress="none", format="text")) as on_event:
        assert on_event is None
    assert capsys.readouterr().err == ""
