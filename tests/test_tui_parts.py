"""The TUI's parts without a terminal: the conversation's state, save/resume, plots from probe details,
the bars and the workflow line, and the command's argument errors."""
from __future__ import annotations

import json

import pytest

from dldoctor.probes.result import ProbeResult
from tui_support import DETAILS, result, small_kb

from dldoctor.expert.cli import main as cli
from dldoctor.tui import persist
from dldoctor.tui.causes import bar
from dldoctor.tui.conversation import Conversation
from dldoctor.tui.plots import draw, specs
from dldoctor.tui.workflow import line


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return small_kb(tmp_path_factory.mktemp("tui-kb"))


def conversation(kb, **kw) -> Conversation:
    conv = Conversation(kb, **kw)
    conv.diag.keys = {"model", "train_data", "loss_fn"}
    return conv


# ---------------------------------------------------------------- conversation

def test_steps_leave_out_skipped_questions_and_the_running_probe(kb):
    conv = conversation(kb)
    ids = [a.id for a in conv.steps()]
    assert ids[0] == "runs" and "loss-explodes" not in ids  # a probe that can run answers it: no question
    assert "runs" not in [a.id for a in conv.steps(running="runs")]
    conv.answer("loss-flat", "skip")
    assert "loss-flat" not in [a.id for a in conv.steps()]
    assert conv.undo() == "skip of 'loss-flat'" and "loss-flat" in [a.id for a in conv.steps()]


def test_undo_goes_back_through_answers_skips_and_probes_in_order(kb):
    conv = conversation(kb)
    conv.add_result(result("runs"))
    conv.answer("loss-flat", "yes")
    conv.answer("accuracy-is-majority", "skip")
    assert [list(e)[0] for e in conv.events()] == ["probe", "answer", "skip"]
    assert conv.undo() == "skip of 'accuracy-is-majority'"
    assert conv.undo() == "answer to 'loss-flat'"
    assert conv.undo() == "probe 'runs'"
    assert conv.undo() is None and not conv.diag.observations and not conv.diag.records


def test_a_reply_must_be_known(kb):
    with pytest.raises(ValueError, match="reply must be one of"):
        conversation(kb).answer("loss-flat", "maybe")


def test_stage_status_follows_the_open_steps_and_the_observations(kb):
    conv = conversation(kb)
    status = conv.stage_status(conv.steps())
    assert status["implement-and-debug"] == "open" and status["tune"] == "idle"
    conv.answer("accuracy-is-majority", "no")
    assert conv.stage_status(conv.steps())["evaluate"] == "done"


# ---------------------------------------------------------------- save / resume

def test_save_is_atomic_and_resume_replays_the_same_state(kb, tmp_path):
    conv = conversation(kb, target="t.py")
    conv.add_result(result("lr-range"))
    conv.answer("loss-flat", "no")
    conv.answer("accuracy-is-majority", "skip")
    path = persist.save(conv, tmp_path / "deep" / "s.json")
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]
    again = Conversation(kb)
    assert persist.replay(again, persist.read(path)) == []
    assert [(b.cause, b.score) for b in again.beliefs()] == [(b.cause, b.score) for b in conv.beliefs()]
    assert again.skipped == {"accuracy-is-majority"} and again.events() == conv.events()


def test_resume_reports_entries_the_kb_no_longer_knows(kb, tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"dldoctor_session": 1, "events": [
        {"answer": "gone-symptom", "reply": "yes"}, {"answer": "loss-flat", "reply": "perhaps"},
        {"probe": {"id": "no-such-probe"}}, {"answer": "loss-flat", "reply": "yes"}, 7]}))
    conv = Conversation(kb)
    warnings = persist.replay(conv, persist.read(f))
    assert len(warnings) == 4 and "gone-symptom" in warnings[0]
    assert conv.diag.answers["loss-flat"].present is True


@pytest.mark.parametrize("content", ["{not json", "[]", '{"dldoctor_session": 99, "events": []}'])
def test_unreadable_session_files_raise_one_line(tmp_path, content):
    f = tmp_path / "s.json"
    f.write_text(content)
    with pytest.raises(persist.SessionFileError, match="s.json"):
        persist.read(f)


# ---------------------------------------------------------------- plots

def test_plots_from_the_probe_details():
    records = {pid: result(pid) for pid in DETAILS}
    records["history"] = ProbeResult.from_json({"id": "history", "status": "ok", "findings": {},
                          "details": {"source": "h.csv", "columns": {"train_loss": [1.0, 0.5, 0.3], "val_loss": [1.1, None, 0.9]}}})
    found = {s.key: s for s in specs(records)}
    assert set(found) == {"overfit-one-batch", "history", "lr-range", "grad-flow", "class-balance"}
    lr = found["lr-range"]
    assert lr.series[0][1] == [-4.0, -3.0, -2.0, -1.0, 0.0] and lr.xticks[0] == (-4.0, "1e-4")
    assert [name for _, name in lr.vlines] == ["configured_lr", "best_lr"] and lr.vlines[1][0] == -2.0
    assert found["grad-flow"].xticks == [(0.0, "0"), (1.0, "2")] and found["grad-flow"].series[0][2] == [-1.0, 0.0]
    frozen = {"grad-flow": ProbeResult("grad-flow", "ok", details={"layers": [
        {"name": "body", "grad_norm": None}, {"name": "head", "grad_norm": 0.01}]})}
    assert specs(frozen)[0].series[0][2] == [-3.0, -2.0]  # no gradient: drawn below the rest
    assert [s[0] for s in found["history"].series] == ["train_loss", "val_loss"]
    assert found["history"].series[1][1:] == ([0, 2], [1.1, 0.9])  # a gap is left out, not drawn as 0
    assert [s[0] for s in found["class-balance"].series] == ["train", "val"]
    from textual_plotext.plot import Plot

    for s in found.values():
        plt = Plot()
        draw(plt, s)
        plt.plotsize(60, 15)
        assert plt.build() and plt.build()  # a widget renders many times


@pytest.mark.parametrize("details", [
    {}, {"losses": None}, {"losses": "abc"}, {"losses": [float("nan")]}, {"losses": [1, True]}, {"losses": [None, 2.0]},
    {"lrs": [1e-3, 1e-2], "losses": [1.0]}, {"layers": "x"}, {"layers": [{"name": "a"}, 3]},
    {"classes": [0, 1], "counts": {"train": [1]}}, {"curves": {"train_loss": []}},
])
def test_plots_skip_missing_or_malformed_details(details):
    records = {pid: ProbeResult(pid, "ok", details=details)
               for pid in ("overfit-one-batch", "lr-range", "grad-flow", "class-balance", "history")}
    assert specs(records) == []


def test_failed_probes_draw_nothing():
    assert specs({"overfit-one-batch": result("overfit-one-batch").replace(status="failed")}) == []


# ---------------------------------------------------------------- bars and workflow

@pytest.mark.parametrize("score, filled", [(0.0, 0), (0.26, 5), (0.96, 19), (1.0, 20)])
def test_bar_marks_the_threshold(score, filled):
    b = bar(score, 0.5, 20)
    assert len(b) == 20 and b.plain[10] == "┃"
    assert b.plain.count("█") + (b.plain[10] == "┃" and filled > 10) == filled


def test_workflow_line_marks_current_done_and_the_problem_stage():
    stages = [("a", "Start simple"), ("b", "Implement and debug"), ("c", "Evaluate")]
    text = line(stages, {"a": "done", "b": "open", "c": "idle"}, "b", problem_stage="b").plain.replace("\u00a0", " ")
    assert text == "✓ Start simple → ▶ Implement and debug ● → Evaluate"
    assert "nothing left" in line(stages, {"a": "done", "b": "done", "c": "idle"}, None).plain


# ---------------------------------------------------------------- the command

def test_cli_rejects_a_missing_target_file_with_exit_2(capsys, tmp_path):
    assert cli(["tui", str(tmp_path / "nope.py")]) == 2
    assert "nope.py: no such file" in capsys.readouterr().err
    assert cli([str(tmp_path / "nope.py")]) == 2  # `dldoctor TARGET` opens the TUI


def test_cli_rejects_a_bad_session_file(capsys, tmp_path):
    f = tmp_path / "s.json"
    f.write_text("{}")
    assert cli(["tui", "--resume", str(f)]) == 2
    assert "not a dldoctor session" in capsys.readouterr().err


def test_the_tui_imports_no_torch():
    import subprocess
    import sys

    code = "import sys, dldoctor.tui.app, dldoctor.tui.plots, dldoctor.expert.commands.tui; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
