"""The app at 80x24 and 140x45 (named snapshots), the question filter (pending probes, applies_if)
and the quit prompt for unsaved answers.

Update the snapshots after an intended change: ``pytest tests/test_tui_fit.py --snapshot-update``."""
from __future__ import annotations

import asyncio

import pytest
from tui_support import FakeRunner, small_kb

from dldoctor.probes.result import ProbeResult
from dldoctor.tui.app import make_app
from dldoctor.tui.conversation import Conversation
from dldoctor.tui.quit_screen import QuitScreen


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return small_kb(tmp_path_factory.mktemp("tui-fit-kb"))


@pytest.fixture(scope="module")
def builtin_kb():
    from dldoctor.expert.knowledge import load_kb

    return load_kb()


def test_80x24_question_with_its_answer_keys(kb, snap_compare):
    """No target: the first question with Yes/No/Don't know/Skip visible, names readable, Help and Quit in the footer."""
    assert snap_compare(make_app(None, kb=kb), press=["y"], terminal_size=(80, 24))


def test_140x45_after_some_answers(kb, snap_compare):
    assert snap_compare(make_app(None, kb=kb), press=["y", "n"], terminal_size=(140, 45))


def test_80x24_quit_prompt(kb, snap_compare):
    assert snap_compare(make_app(None, kb=kb), press=["y", "q"], terminal_size=(80, 24))


def test_at_80x24_the_answer_keys_and_help_and_quit_are_on_screen(kb):
    async def main():
        app = make_app(None, kb=kb)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            box = app.query_one("#next-step").region
            for bid in ("yes", "no", "unknown", "skip"):
                button = app.query_one(f"#{bid}")
                region = button.region
                assert button.display and region.width > 0 and region.right <= box.right - 1 and region.bottom <= 24, bid
            footer_keys = [b.binding.key for b in app.active_bindings.values() if b.binding.show][:2]
            assert footer_keys == ["question_mark", "q"]  # first in the footer: a narrow one keeps them

    asyncio.run(main())

def test_q_with_unsaved_answers_asks_and_stay_keeps_the_session(kb):
    async def main():
        app = make_app(None, kb=kb)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("y", "q")
            await pilot.pause()
            assert isinstance(app.screen, QuitScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, QuitScreen) and app.is_running and app.conv.diag.answers

    asyncio.run(main())

def test_q_save_and_quit_writes_the_session(kb, tmp_path):
    async def main():
        path = tmp_path / "s.json"
        app = make_app(None, kb=kb, session_file=str(path))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("y", "q")
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
        assert path.exists() and app.return_code in (0, None)

    asyncio.run(main())

def test_q_without_answers_quits_at_once(kb):
    async def main():
        app = make_app(None, kb=kb)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("q")
            await pilot.pause()
            assert not isinstance(app.screen, QuitScreen)

    asyncio.run(main())

def test_a_question_a_pending_probe_answers_waits_for_it(kb):
    """grads-accumulate has a question and a probe (train-step-audit): asked only when the probe cannot run."""
    conv = Conversation(kb, target="t.py")
    asked = lambda steps: {a.id for a in steps if a.kind == "question"}  # noqa: E731
    assert "grads-accumulate" not in asked(conv.steps(loading=True))  # the target is loading: every probe pending
    conv.diag.keys = {"model", "train_data", "loss_fn", "train_step"}
    conv.add_result(ProbeResult("runs", "ok", findings={"crashed": False}))
    assert "grads-accumulate" not in asked(conv.steps(running="train-step-audit"))  # running: its answer is coming
    assert "grads-accumulate" not in asked(conv.steps())  # it may still run
    conv.diag.keys = {"model", "train_data", "loss_fn"}  # no train_step: the probe cannot run ...
    assert "grads-accumulate" in asked(conv.steps())  # ... the fixture KB says nothing of applies_if: asked


def test_a_question_about_a_component_the_model_lacks_is_never_asked(builtin_kb):
    conv = Conversation(builtin_kb, target="t.py")
    conv.diag.keys = {"model", "train_data", "loss_fn"}
    conv.diag.facts = {"batch_norm": False, "dropout": False, "gpu": False}
    conv.diag.records["runs"] = ProbeResult("runs", "ok", findings={"crashed": True})  # nothing else can run
    asked = {a.id for a in conv.steps() if a.kind == "question"}
    for sid in ("batchnorm-tiny-batches", "grads-accumulate", "optimizer-step-missing", "tensors-created-without-device"):
        assert sid not in asked, sid
    conv.diag.facts = {"batch_norm": True, "gpu": True}
    conv.diag.keys = {"model", "train_data", "loss_fn", "train_step"}
    assert conv.diag.applies("batchnorm-tiny-batches") and conv.diag.applies("grads-accumulate")


def test_a_stage_is_ticked_only_when_its_probes_ran(kb):
    conv = Conversation(kb, target="t.py")
    conv.diag.keys = {"model", "train_data", "loss_fn", "train_step"}
    conv.answer("loss-flat", "yes")  # a question of implement-and-debug answered: not a tick
    assert conv.stage_status([]).get("implement-and-debug") != "done"
    runner = FakeRunner()
    for pid in kb.probes:
        if pid in kb.symptoms_by_probe and kb.probes[pid].stage == "implement-and-debug":
            conv.add_result(runner.run(pid, 1))
    assert conv.stage_status([])["implement-and-debug"] == "done"
    assert conv.stage_status([]).get("tune") != "done"  # nothing there ran or was answered
