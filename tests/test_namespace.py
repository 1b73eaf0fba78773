"""One import namespace: a user's project whose own modules are called probes, kb, expert, tui and
examples is diagnosed (its modules win inside the target, ours live under ``dldoctor``)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

TARGET = textwrap.dedent('''
    import torch
    import probes, kb, expert, tui            # the user's own modules, beside this file
    from examples.data import make             # and the user's own examples/ package

    def subject():
        assert probes.MINE and kb.MINE and expert.MINE and tui.MINE
        x, y = make()
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True)
        model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 3))
        return {"model": model, "train_data": loader, "loss_fn": torch.nn.CrossEntropyLoss()}
''')


@pytest.mark.timeout(300)
def test_a_project_with_our_old_package_names_is_diagnosed(tmp_path):
    for name in ("probes", "kb", "expert", "tui"):
        (tmp_path / f"{name}.py").write_text("MINE = True\n")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "__init__.py").write_text("")
    (tmp_path / "examples" / "data.py").write_text(textwrap.dedent('''
        import torch
        def make():
            g = torch.Generator().manual_seed(0)
            x = torch.randn(256, 8, generator=g)
            return x, (x[:, 0] > 0).long() + (x[:, 1] > 1).long()
    '''))
    (tmp_path / "train_setup.py").write_text(TARGET)
    out = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", "train_setup.py", "--format", "json",
                          "--probes", "runs,output-vs-target,loss-at-init"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=280)
    assert out.returncode in (0, 1), out.stderr
    report = json.loads(out.stdout)
    runs = next(p for p in report["probes"] if p["id"] == "runs")
    assert runs["status"] == "ok", runs


def test_public_api_is_one_import():
    code = ("import sys, dldoctor; assert 'torch' not in sys.modules; "
            "dldoctor.diagnose; dldoctor.Subject; assert callable(dldoctor.watch); dldoctor.testing.assert_trains")
    subprocess.run([sys.executable, "-c", code], check=True)
