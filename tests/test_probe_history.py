"""Probe `history` and its reader (probes/history_file.py).

Fault: classic over-training — a big MLP memorising 60 digits rows; its validation loss bottoms out
early and climbs while the training loss goes to 0.  Healthy: a digits MLP trained on 1,000 rows
(both curves fall and flatten), and synthetic curves whose validation loss is noisy but does not
turn up.  The reader's errors name the file and the line / column.
"""
from __future__ import annotations

import json
import math
import random

import pytest

from judged import holds, shape
import torch
import torch.nn as nn

from zoo.data import digits
from zoo.models import mlp

from dldoctor.expert.subject import Subject
from dldoctor.probes.context import ProbeContext
from dldoctor.probes.history_file import HistoryError, read_history
from dldoctor.probes.run import run_probe


def probe(history, base_dir=None) -> dict:
    s = Subject(model=nn.Linear(1, 1), train_data=[], loss_fn=nn.MSELoss(), history=history, base_dir=base_dir)
    return run_probe("history", s, ProbeContext(seed=0))


@pytest.fixture(scope="module")
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def digits_run(n_train: int, hidden: int, epochs: int, lr: float) -> dict:
    """Per-epoch mean training loss and validation loss of an MLP on sklearn digits."""
    X, y = digits(shuffled=True)
    m = mlp(hidden=hidden)  # seeds torch with 0: the epochs' orders below follow from it
    opt = torch.optim.Adam(m.parameters(), lr)
    xv, yv = X[1200:1500], y[1200:1500]
    train_loss, val_loss = [], []
    for _ in range(epochs):
        order, total = torch.randperm(n_train), 0.0
        for i in range(0, n_train, 32):
            b = order[i:i + 32]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(X[b]), y[b])
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        train_loss.append(total / n_train)
        with torch.no_grad():
            val_loss.append(nn.functional.cross_entropy(m(xv), yv).item())
    return {"train_loss": train_loss, "val_loss": val_loss}


def test_memorising_60_rows_is_over_training(one_thread):
    r = probe(digits_run(60, 256, 100, 3e-3))
    f = r.findings
    print("over-training run:", f, r.details["val_curve"])
    # validation loss: ~0.88 at its best, ~1.09 at the end (+24%); training loss -> 0
    assert holds("history", f, "overtraining") is True
    assert f["best_val_epoch_frac"] < 0.4
    assert shape("history", f) == "converges" and f["final_train_ratio"] < 0.01


def test_digits_mlp_on_1000_rows_is_healthy(one_thread):
    r = probe(digits_run(1000, 64, 15, 1e-3))
    f = r.findings
    print("healthy run:", f)
    assert holds("history", f, "overtraining") is False and shape("history", f) == "converges"
    assert f["best_val_epoch_frac"] > 0.8 and f["final_train_ratio"] < 0.2


def synthetic(n, val_noise, turn_up, seed):
    """Exponential decay; validation with relative noise and, if turn_up, a linear climb after 40%."""
    rng = random.Random(seed)
    t = [i / (n - 1) for i in range(n)]
    train = [(0.05 + 2.2 * math.exp(-5 * x)) * (1 + 0.02 * rng.gauss(0, 1)) for x in t]
    val = [0.35 + 2.0 * math.exp(-8 * x) + turn_up * max(0.0, x - 0.4) for x in t]
    return {"train_loss": train, "val_loss": [v * (1 + val_noise * rng.gauss(0, 1)) for v in val]}


@pytest.mark.parametrize("n", [10, 30, 100])
def test_noisy_but_healthy_validation_does_not_fire(n):
    # 8% epoch-to-epoch noise on a validation curve that flattens: smoothing keeps it silent
    fired = [holds("history", probe(synthetic(n, 0.08, 0.0, seed)).findings, "overtraining") for seed in range(20)]
    assert not any(fired)


@pytest.mark.parametrize("n", [15, 30, 100])
def test_clear_turn_up_fires(n):
    # validation loss climbs 0.6 per run after 40%: +0.36 at the end on a minimum of ~0.43 (+80%)
    fired = [holds("history", probe(synthetic(n, 0.02, 0.6, seed)).findings, "overtraining") for seed in range(10)]
    assert all(fired)


def test_both_curves_rising_is_divergence_not_over_training():
    n = 30
    t = [i / (n - 1) for i in range(n)]
    h = {"train_loss": [0.3 + 2 * math.exp(-10 * x) + 2 * max(0, x - 0.4) for x in t],
         "val_loss": [0.4 + 2 * math.exp(-10 * x) + 2 * max(0, x - 0.4) for x in t]}
    f = probe(h).findings
    assert shape("history", f) == "goes-up" and holds("history", f, "overtraining") is False


def test_validation_alone_is_judged_with_lower_confidence():
    r = probe({"val_loss": synthetic(30, 0.02, 0.6, 0)["val_loss"]})
    assert holds("history", r.findings, "overtraining") is True and shape("history", r.findings) is None
    assert r.confidence["val_rise_over_best"] < 1


# ---- files ----------------------------------------------------------------------------------------

def test_keras_csv_logger_columns(tmp_path):
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    rows += [f"{e},{0.5 + 0.04 * e},{2 / (e + 1)},{0.45 + 0.04 * e},{2.1 / (e + 1)}" for e in range(10)]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    r = probe("log.csv", str(tmp_path))
    assert r.status == "ok" and shape("history", r.findings) in ("converges", "decreasing")
    h = read_history("log.csv", str(tmp_path))
    assert h.series("train_error")[0] == pytest.approx(0.5) and h.series("val_error")[-1] == pytest.approx(0.19)


def test_lightning_style_gaps_are_skipped(tmp_path):
    lines = ["step,train_loss,val_loss"] + [f"{i},{2 / (i + 1)}," if i % 3 else f"{i},,{2.1 / (i + 1)}" for i in range(30)]
    (tmp_path / "metrics.csv").write_text("\n".join(lines))
    h = read_history(str(tmp_path / "metrics.csv"))
    assert len(h.series("train_loss")) == 20 and len(h.series("val_loss")) == 10


def test_jsonl_cut_mid_object_uses_the_complete_lines(tmp_path):
    lines = [json.dumps({"epoch": e, "train_loss": 2 / (e + 1), "val_loss": 2.1 / (e + 1)}) for e in range(8)]
    (tmp_path / "h.jsonl").write_text("\n".join(lines) + '\n{"epoch": 8, "train_lo')
    r = probe("h.jsonl", str(tmp_path))
    assert r.status == "ok" and len(r.details["columns"]["train_loss"]) == 8
    assert any("h.jsonl:9" in n and "cut" in n for n in r.notes)


@pytest.mark.parametrize("name,content,message", [
    ("bad.csv", "epoch,train_loss\n1,0.5\n2,oops\n", "bad.csv:3, column 'train_loss': 'oops' is not a number"),
    ("bad.jsonl", '{"train_loss": 1}\n{"train_loss" 2}\n{"train_loss": 3}\n', "bad.jsonl:2: not a JSON object"),
    ("bad.csv", "epoch,acc_top\n1,2\n", "bad.csv: no known column"),
    ("bad.csv", b"train_loss\n1.0\n\xff\xfe\n", "bad.csv:3: not UTF-8"),
])
def test_unreadable_files_fail_with_one_line_naming_file_and_place(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(HistoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_history(name, str(tmp_path))
    r = probe(name, str(tmp_path))
    assert r.status == "failed" and message.split(":")[0] in r.message and "\n" not in r.message


def test_missing_file_is_named(tmp_path):
    r = probe("nope.csv", str(tmp_path))
    assert r.status == "failed" and str(tmp_path / "nope.csv") in r.message


def test_non_numeric_extra_columns_are_dropped_with_a_note():
    h = read_history({"train_loss": [1.0, 0.5], "phase": ["warmup", "main"]})
    assert "phase" not in h.columns and any("phase" in n for n in h.notes)


def test_tensorboard_folder(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for i in range(12):
        w.add_scalar("Loss/train", 2.0 / (i + 1), i)
        w.add_scalar("Loss/val", 2.1 / (i + 1) + 0.002 * i, i)
    w.close()
    r = probe(str(tmp_path))
    assert r.status == "ok", r.message
    assert shape("history", r.findings) == "converges" and holds("history", r.findings, "overtraining") is False


def test_json_list_of_epochs(tmp_path):
    rows = [{"epoch": e, "train_loss": 2 / (e + 1), "val_loss": 2.1 / (e + 1)} for e in range(10)]
    (tmp_path / "h.json").write_text(json.dumps(rows, indent=2))
    f = probe("h.json", str(tmp_path)).findings
    assert shape("history", f) == "converges" and holds("history", f, "overtraining") is False
