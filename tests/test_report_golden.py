"""Golden reports in every format, from canned probe results on the fixture KB (no torch, no timing).

Refresh after an intended change: ``DLDOCTOR_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py``.
"""
import json
import os
from pathlib import Path

import jsonschema
import pytest

from dldoctor.probes.result import ProbeResult

from dldoctor.expert.commands.diagnose import render
from dldoctor.expert.compiler import compile_kb
from dldoctor.expert.report import SCHEMA_PATH, build, strip_timings
from dldoctor.expert.session import Diagnosis
from dldoctor.probes.result import ProbeResult

HERE = Path(__file__).parent


def canned(pid, findings, details=None, seconds=0.5):
    return ProbeResult(pid, "ok", seconds, "", findings, {}, details or {})


@pytest.fixture(scope="module")
def report():
    kb = compile_kb([], builtin_dir=HERE / "kb_fixture")
    diag = Diagnosis(kb, keys={"model", "train_data", "loss_fn", "train_step"})
    diag.add_probe_result(canned("train-step-audit", {"grad_accumulation_ratio": 2.0}))
    diag.add_probe_result(canned("overfit-one-batch", {"oscillation": 0.6, "final_ratio": 0.9}, {"losses": [2.3, 2.1, 2.6]}))
    diag.add_probe_result(canned("lr-range", {"log10_lr_ratio": 1.2, "configured_lr": 0.1, "best_lr": 0.005}))
    diag.records["memory"] = ProbeResult.failed("memory", "RuntimeError: boom (memory.py:1)", 0.1)
    return build(diag, {"target": "examples/zoo/missing_zero_grad.py", "seed": 0})


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("markdown", "md"), ("json", "json"), ("junit", "xml")])
def test_golden(report, fmt, suffix, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # the text report follows the terminal's width
    got = render(report, fmt)
    if fmt == "json":
        got = json.dumps(strip_timings(json.loads(got)), indent=2) + "\n"
    golden = HERE / "golden" / f"report.{suffix}"
    if os.environ.get("DLDOCTOR_UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_json_follows_the_contract_and_the_schema(report):
    data = json.loads(render(report, "json"))
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert data["verdict"] == "problems"
    assert [c["id"] for c in data["causes"]][0] == "missing-zero-grad"
    scores = [c["score"] for c in data["causes"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3  # every cause, highest first
    ev = data["causes"][0]["evidence"][0]
    assert {"symptom", "observed", "probe"} <= set(ev) and ev["probe"] == "train-step-audit"
    assert {p["id"]: p["status"] for p in data["probes"]}["memory"] == "failed"


def test_junit_fails_only_causes_over_the_threshold(report):
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(render(report, "junit"))
    failed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert failed == [c.id for c in report.causes if c.score >= 0.5]
    assert suite.get("tests") == "3"
