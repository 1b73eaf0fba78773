"""The TUI's tune action: ``t`` runs the search in a thread worker (here a canned summary: no torch),
then shows best beside as given, the line to paste, the trials and the metric-against-lr plot."""
from __future__ import annotations

import asyncio

import pytest
from tui_support import FakeRunner, small_kb

from dldoctor.tui.app import make_app
from dldoctor.tui.tune_screen import TuneScreen, lr_points

SUMMARY = {
    "metric": "val_error", "validation": "val_data", "study": "s", "steps": 300, "seed": 0, "steps_spent": 1200,
    "space": [{"name": "lr"}, {"name": "momentum"}],
    "best": {"params": {"lr": 0.2, "momentum": 0.8}, "val_error": 0.03, "trial": 1},
    "as_given": {"params": {"lr": 5.0, "momentum": 0.9}, "val_error": 1.0, "diverged": True},
    "trials": [{"number": i, "stage": "coarse", "state": "complete", "params": {"lr": lr, "momentum": 0.8}, "val_error": v, "steps": 300}
               for i, (lr, v) in enumerate([(1e-3, 0.5), (0.2, 0.03), (3.0, 0.9), (0.05, 0.08)])],
    "paste": ["torch.optim.SGD(params, lr=0.2, momentum=0.8)"], "notes": [], "target": "target.py",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return small_kb(tmp_path_factory.mktemp("tui-tune-kb"))


def test_t_runs_tune_in_a_worker_and_shows_the_result(kb, monkeypatch):
    import dldoctor.expert.tune as tuning

    calls = []

    def fake_tune(target, **kw):
        calls.append((target, kw["trials"], kw["steps"]))
        kw["on_progress"](0, 0.5, "trial 2/20 (coarse): lr=0.2 → val_error 0.03")
        return SUMMARY

    monkeypatch.setattr(tuning, "tune", fake_tune)
    app = make_app("target.py", kb=kb, runner=FakeRunner())

    async def main():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("t")
            for _ in range(250):
                if isinstance(app.screen, TuneScreen):
                    break
                await pilot.pause(0.02)
            assert isinstance(app.screen, TuneScreen)
            shown = str(app.screen.query_one("#tune-text").content)
            assert "best val_error 0.03" in shown and "torch.optim.SGD(params, lr=0.2, momentum=0.8)" in shown
            assert app.screen.query("#tune-plot")  # metric against lr
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, TuneScreen)

    asyncio.run(main())
    assert calls == [("target.py", 20, 300)]


def test_without_a_target_there_is_nothing_to_tune(kb):
    app = make_app(None, kb=kb)

    async def main():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("t")
            await pilot.pause()
            assert not app.tuning and not isinstance(app.screen, TuneScreen)

    asyncio.run(main())


def test_plot_points_skip_trials_without_lr_or_value():
    trials = SUMMARY["trials"] + [{"number": 9, "params": {"momentum": 0.5}, "val_error": 0.1},
                                  {"number": 10, "params": {"lr": 0.1}, "val_error": None}]
    xs, ys = lr_points({**SUMMARY, "trials": trials})
    assert len(xs) == 4 and ys[1] == 0.03
