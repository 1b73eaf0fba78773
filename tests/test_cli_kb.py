"""`dldoctor kb check | show | graph` and the exit codes, on the fixture KB (content-independent)."""
from pathlib import Path

import pytest

from dldoctor.expert.cli import main

FIX = str(Path(__file__).parent / "kb_fixture")
BROKEN = Path(__file__).parent / "kb_broken"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDOCTOR_CACHE_DIR", str(tmp_path / "cache"))


def test_check_ok(capsys):
    assert main(["kb", "check", "--no-builtin", "--kb", FIX]) == 0
    assert capsys.readouterr().out.startswith("ok: 3 causes, 5 symptoms")


def test_check_reports_every_problem_and_exits_2(capsys):
    assert main(["kb", "check", "--no-builtin", "--kb", FIX, "--kb", str(BROKEN / "unknown-probe")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 12 and err[-1] == "dldoctor kb: 11 problems"
    assert "did you mean 'overfit-one-batch'?" in err[0]


def test_show_cause_is_a_page(capsys):
    assert main(["kb", "show", "--no-builtin", "--kb", FIX, "lr-too-high"]) == 0
    out = capsys.readouterr().out
    for part in ("# Learning rate too high", "## Evidence", "lr-range: log10_lr_ratio > 1.0", "## What to do, cheapest first", "1. Lower the learning rate"):
        assert part in out


@pytest.mark.parametrize("entry,expect", [("loss-explodes", "Measured: overfit-one-batch: peak_ratio > 10.0"),
                                          ("lower-lr", "## Remedy for"), ("evaluate", "stage `evaluate`"), ("lr-range", "## Findings")])
def test_show_other_kinds(capsys, entry, expect):
    assert main(["kb", "show", "--no-builtin", "--kb", FIX, entry]) == 0
    assert expect in capsys.readouterr().out


def test_show_unknown_suggests(capsys):
    assert main(["kb", "show", "--no-builtin", "--kb", FIX, "lr-too-hihg"]) == 2
    assert "did you mean 'lr-too-high'?" in capsys.readouterr().err


@pytest.mark.parametrize("fmt,head", [("mermaid", "flowchart LR"), ("dot", "digraph dldoctor {")])
def test_graph(capsys, fmt, head):
    assert main(["kb", "graph", "--no-builtin", "--kb", FIX, "--format", fmt, "--level", "causes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(head)
    assert "stage_implement_and_debug" in out and "cause_missing_zero_grad" in out


def test_pyproject_setting_adds_a_kb(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text(f'[tool.dldoctor]\nkb = ["{BROKEN / "override-ok"}"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["kb", "check", "--no-builtin", "--kb", FIX]) == 2  # the fixture is not built-in here: no override allowed
    assert "duplicate symptom id" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["kb", "graph", "--format", "png"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
