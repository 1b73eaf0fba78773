"""Named snapshots of the TUI's screens at a fixed terminal size (pytest-textual-snapshot; textual pinned).

Update after an intended change of the screens: ``pytest tests/test_tui_snapshots.py --snapshot-update``,
then look at the SVGs under tests/__snapshots__/."""
from __future__ import annotations

import pytest
from tui_support import FakeRunner, small_kb

from dldoctor.tui.app import make_app

SIZE = (120, 40)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return small_kb(tmp_path_factory.mktemp("tui-kb"))


def test_main_screen_after_some_answers(kb, snap_compare):
    """No target: two answers; missing-zero-grad on top with its evidence, the next question asked."""
    assert snap_compare(make_app(None, kb=kb), press=["y", "n"], terminal_size=SIZE)


def test_help_screen(kb, snap_compare):
    assert snap_compare(make_app(None, kb=kb), press=["question_mark"], terminal_size=SIZE)


def test_cause_detail_of_the_second_cause(kb, snap_compare):
    """After an answer, the second cause selected: its contributions, mechanism, remedies, references."""
    assert snap_compare(make_app(None, kb=kb), press=["y", "down"], terminal_size=SIZE)


def test_plots_after_the_probes_ran(kb, snap_compare):
    """Every probe run through a fake runner; the plots tab shows the curves from their details."""
    app = make_app("target.py", kb=kb, runner=FakeRunner())

    async def run_all(pilot):
        for _ in range(250):
            if not app.loading:
                break
            await pilot.pause(0.02)
        for pid in ("runs", "overfit-one-batch", "lr-range"):
            app.conv.add_result(app.runner.run(pid, 10))
        app.refresh_view(select_top=True)
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(app, run_before=run_all, terminal_size=SIZE)
