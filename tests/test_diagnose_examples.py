"""`dldoctor diagnose` end to end on the built-in examples: exit codes, the right cause first,
determinism, output files, a questions-only session.  Real probes in a real worker process."""
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from dldoctor.expert.report import SCHEMA_PATH, strip_timings

ROOT = Path(__file__).resolve().parent.parent
FAST = "runs,output-vs-target,loss-at-init,grad-flow,activations,input-stats,class-balance,batch-composition"


def dldoctor(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=400)


@pytest.mark.timeout(400)
def test_healthy_example_exits_0():
    out = dldoctor("diagnose", "--example", "healthy-digits", "--format", "json")
    assert out.returncode == 0, out.stderr + out.stdout[-2000:]
    data = json.loads(out.stdout)
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert data["verdict"] == "healthy"
    assert all(c["score"] < 0.5 for c in data["causes"])


@pytest.mark.timeout(400)
def test_faulty_example_exits_1_with_the_right_cause_first(tmp_path):
    report = tmp_path / "r.json"
    out = dldoctor("diagnose", "--example", "softmax-before-ce", "--format", "json", "--output", str(report))
    assert out.returncode == 1, out.stderr
    assert out.stdout == ""  # --output: nothing on stdout
    data = json.loads(report.read_text())
    assert data["causes"][0]["id"] == "wrong-loss-input"
    assert data["causes"][0]["evidence"] and data["causes"][0]["remedies"]


@pytest.mark.timeout(300)
def test_two_runs_give_identical_json_but_for_timings():
    a = dldoctor("diagnose", "--example", "softmax-before-ce", "--format", "json", "--probes", FAST)
    b = dldoctor("diagnose", "--example", "softmax-before-ce", "--format", "json", "--probes", FAST)
    assert a.returncode == b.returncode == 1, a.stderr
    assert strip_timings(json.loads(a.stdout)) == strip_timings(json.loads(b.stdout))
    assert json.loads(a.stdout)["causes"][0]["id"] == "wrong-loss-input"


def test_questions_only_session(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("tuned-on-val-often: yes\n")
    kb = ROOT / "tests" / "kb_fixture"
    out = dldoctor("diagnose", "--answers", str(answers), "--format", "markdown", "--kb", str(kb), "--fail-on", "0.1")
    assert out.returncode in (0, 1, 2)


@pytest.mark.parametrize("args,needle", [
    (["diagnose", "--example", "nope"], "no such example"),
    (["diagnose", "--example", "healthy-digits", "--probes", "runz"], "did you mean 'runs'?"),
    (["diagnose", "--example", "healthy-digits", "--fail-on", "2"], "--fail-on: must be in (0, 1]"),
    (["diagnose"], "give a TARGET"),
])
def test_unusable_arguments_exit_2(args, needle):
    out = dldoctor(*args)
    assert out.returncode == 2
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_examples_lists_them():
    out = dldoctor("examples")
    assert out.returncode == 0 and "healthy-digits" in out.stdout and "softmax-before-ce" in out.stdout
