"""The TUI with a real WorkerRunner on a tiny target: a probe runs in the child process, a hung probe is
cancelled (the worker is killed) and the next run starts a fresh worker."""
from __future__ import annotations

import asyncio
import textwrap

import pytest
from tui_support import small_kb

from dldoctor.tui.app import make_app

TARGET = textwrap.dedent("""
    import os, time
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    HANG = {flag!r}

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            if os.path.exists(HANG):
                time.sleep(60)
            return self.fc(x)

    def subject():
        torch.manual_seed(0)
        x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
        return {{"model": Net(), "train_data": DataLoader(TensorDataset(x, y), batch_size=8), "loss_fn": nn.CrossEntropyLoss()}}
""")


def test_a_real_probe_runs_in_the_worker_and_a_hung_one_is_cancelled(tmp_path):
    kb = small_kb(tmp_path)
    flag = tmp_path / "hang"
    target = tmp_path / "tiny_target.py"
    target.write_text(TARGET.format(flag=str(flag)))
    app = make_app(str(target), kb=kb, probe_timeout_s=120)
    seen = {}

    async def until(pilot, cond, timeout):
        for _ in range(int(timeout / 0.05)):
            if cond():
                return
            await pilot.pause(0.05)
        raise AssertionError("condition not reached in time")

    async def main():
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: not app.loading, 90)
            assert app.runner is not None, "the tiny target did not load"
            assert app.current.kind == "probe" and app.current.id == "runs"
            flag.write_text("")
            await pilot.press("r")
            await until(pilot, lambda: app.running == "runs", 5)
            await pilot.pause(0.5)
            await pilot.press("c")  # kills the worker process
            await until(pilot, lambda: app.running is None, 15)
            assert "runs" not in app.conv.diag.records and app.runner.proc is None
            flag.unlink()
            await pilot.press("r")  # a fresh worker loads the target again
            await until(pilot, lambda: "runs" in app.conv.diag.records, 90)
            seen.update(app.conv.diag.records["runs"].to_json())
            await pilot.press("q")

    asyncio.run(main())
    if seen.get("status") == "failed" and "NotImplementedError" in seen.get("message", ""):
        pytest.skip("probe 'runs' is not implemented yet")
    assert seen["status"] == "ok", seen.get("message")
    assert seen["findings"]["crashed"] is False
