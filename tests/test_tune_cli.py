"""`dldoctor tune` end to end: the issue's acceptance case (SGD far too hot with heavy weight decay,
repaired to within 3 points of the best of a plain learning-rate grid, re-measured with a plain loop),
two workers on one SQLite study, a second run joining it, and unusable input (exit 2, one line)."""
from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TARGETS = Path(__file__).parent / "tune_targets"
CLI = [sys.executable, "-m", "dldoctor.expert.cli", "tune"]


def _tune(args, cwd, timeout=400):
    out = subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return out


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"tune_target_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def plain_loop(target, steps: int, batch_size: int = 32, **sgd) -> float:
    """A plain training loop, as a user would write it: SGD with these settings for ``steps`` steps."""
    import torch

    s = target.subject()
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(s["train_data"].dataset, batch_size=batch_size, shuffle=True)
    opt = torch.optim.SGD(s["model"].parameters(), **sgd)
    n = 0
    while n < steps:
        for x, y in loader:
            opt.zero_grad()
            s["loss_fn"](s["model"](x), y).backward()
            opt.step()
            n += 1
            if n == steps:
                break
    s["model"].eval()
    wrong = total = 0
    with torch.no_grad():
        for x, y in s["val_data"]:
            out = s["model"](x)
            wrong += int((~torch.isfinite(out).all(1) | (out.argmax(1) != y)).sum())
            total += len(y)
    return wrong / total


@pytest.mark.timeout(900)
def test_tune_repairs_a_far_too_high_learning_rate_to_the_best_of_a_plain_grid(tmp_path):
    shutil.copy(TARGETS / "sgd_too_hot.py", tmp_path / "train_setup.py")
    before = sorted(p.name for p in tmp_path.iterdir())
    out = _tune(["train_setup.py", "--trials", "20", "--steps", "300", "--format", "json"], tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no file of the user's folder written
    assert len(doc["trials"]) == 20 and doc["metric"] == "val_error"
    assert doc["as_given"]["params"]["lr"] == 5.0 and doc["as_given"]["val_error"] > 0.5
    assert "trial 20/20" in out.stderr  # progress off a terminal: stderr lines
    best = doc["best"]["params"]
    assert set(best) == {"lr", "weight_decay", "momentum"}  # param_groups names: SGD(params, **best) as it is
    assert doc["paste"][0].startswith("torch.optim.SGD(params, lr=")

    target = _module(TARGETS / "sgd_too_hot.py")
    tuned = plain_loop(target, 300, **best)
    grid = [plain_loop(target, 300, lr=lr, **extra) for lr in (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)
            for extra in ({"momentum": 0.9, "weight_decay": 0.05}, {"momentum": 0.9}, {})]
    assert tuned <= min(grid) + 0.03, (tuned, min(grid), doc["best"])


@pytest.mark.timeout(900)
def test_two_workers_share_one_sqlite_study_and_a_second_run_joins_it(tmp_path):
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    target = str(TARGETS / "sgd_too_hot.py")
    first = _tune([target, "--trials", "8", "--steps", "60", "--workers", "2", "--storage", url, "--study", "s1",
                   "--format", "json", "--quiet"], tmp_path)
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert doc["workers"] == 2 and doc["storage"] == url and doc["study"] == "s1" and not doc["errors"]
    assert sorted(t["number"] for t in doc["trials"]) == list(range(8))
    assert all(t["state"] in ("complete", "pruned") for t in doc["trials"])
    with sqlite3.connect(db) as con:
        (n,) = con.execute("select count(*) from trials t join studies s using (study_id) where s.study_name = 's1'").fetchone()
    assert n == 8
    # a second machine (here: a second run) joins the same study; --trials is the study's total, --steps its own
    second = _tune([target, "--trials", "10", "--steps", "999", "--storage", url, "--study", "s1", "--format", "json", "--quiet"], tmp_path)
    assert second.returncode == 0, second.stderr
    joined = json.loads(second.stdout)
    assert sorted(t["number"] for t in joined["trials"]) == list(range(10))
    assert joined["steps"] == 60 and any("--steps 60" in n for n in joined["notes"])
    assert joined["best"]["val_error"] <= doc["best"]["val_error"]


def _main(args, capsys):
    from dldoctor.expert.cli import main

    code = main(["tune", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["t.py", "--trials", "0"], "--trials"),
    (["t.py", "--workers", "x"], "--workers"),
    (["t.py", "--storage", "study.db"], "not a storage URL"),
    (["t.py", "--format", "junit"], "--format"),
])
def test_bad_arguments_exit_2_with_one_line(args, words, capsys):
    with pytest.raises(SystemExit) as exc:
        _main(args, capsys)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_bad_storage_url_exits_2(tmp_path, capsys):
    code, err = _main([str(TARGETS / "sgd_too_hot.py"), "--storage", "nosuchdb://x/y", "--quiet"], capsys)
    assert code == 2 and "--storage nosuchdb://x/y" in err and len(err.strip().splitlines()) == 1


def test_missing_optuna_is_asked_for_by_name(monkeypatch, capsys):
    import importlib.util as util

    real = util.find_spec
    monkeypatch.setattr(util, "find_spec", lambda name, *a: None if name == "optuna" else real(name, *a))
    code, err = _main([str(TARGETS / "sgd_too_hot.py")], capsys)
    assert code == 2 and "pip install optuna" in err


@pytest.mark.timeout(600)
@pytest.mark.parametrize("target, words", [
    ("nowhere.py", "file not found"),
    (f"{TARGETS / 'declared.py'}:bad", "'search_space' key 'hidden'"),
    (f"{TARGETS / 'sgd_too_hot.py'} --params betas", "--params betas"),
])
def test_unusable_target_or_space_exits_2(target, words, tmp_path):
    out = _tune([*target.split(), "--trials", "2", "--steps", "5", "--quiet"], tmp_path)
    assert out.returncode == 2, out.stderr
    assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


@pytest.mark.timeout(600)
def test_a_model_that_crashes_is_exit_1_not_2(tmp_path):
    out = _tune([f"{TARGETS / 'declared.py'}:crashes", "--trials", "2", "--steps", "5", "--quiet"], tmp_path)
    assert out.returncode == 1, out.stderr
    assert "crashed" in out.stderr and "dldoctor diagnose" in out.stderr and len(out.stderr.strip().splitlines()) == 1
