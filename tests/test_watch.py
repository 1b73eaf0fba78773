"""Watch mode on real short training loops, healthy and with injected faults.

Each fault is injected the way it happens in real runs, at a known step; the test asserts on the
record's findings (thresholds argued from how the fault behaves) and that the diagnosis from the
record (probe `record` judged by the KB) names the fault's cause first.  Healthy loops run with
``on_warning="raise"``: any early warning would fail them.
"""
from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import time

import pytest

from judged import holds, shape
import torch
from torch import nn

from dldoctor.expert import engine
from dldoctor.expert.compiler import compile_kb
from dldoctor.probes import watch
from dldoctor.probes.record import measure_file
from dldoctor.probes.watch import DoomedRun, Watch

STEPS = 240


@pytest.fixture(scope="module")
def kb():
    return compile_kb()


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)


def mlp():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 16, 10))


def train(data, path, *, model=mlp, optimizer="adam", fault=None, at=100, steps=STEPS, every=5, loss_fn=None, batch=32,
          check_share=1.0, max_share=None, **options):
    """A user's loop over shuffled batches with ``fault`` injected from step ``at``; returns the Watch.

    Early warnings are checked on every record step (``check_share=1``: these runs last a second,
    the default 1% of it would allow only a few checks)."""
    torch.manual_seed(0)
    X, y = data
    net = model()
    opt = torch.optim.SGD(net.parameters(), 0.05, momentum=0.9) if optimizer == "sgd" else torch.optim.Adam(net.parameters(), 1e-3)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=batch, shuffle=True)
    kept = []
    with watch(net, opt, record=path, every=every, check_share=check_share, max_share=max_share, **options) as w:
        k = 0
        while k < steps:
            for xb, yb in loader:
                if fault == "slow-data":
                    time.sleep(0.004)  # a loader that decodes each batch in the training process
                if fault == "nan" and k == at:
                    xb = xb.clone()
                    xb[0, 0] = float("nan")  # one corrupt sample
                if fault == "lr-jump" and k == at:
                    for g in opt.param_groups:
                        g["lr"] *= 1000
                if fault == "kill-units" and k == at:
                    with torch.no_grad():  # e.g. a bad restart: every pre-activation pushed below zero
                        for layer in net:
                            if isinstance(layer, nn.Linear) and layer.out_features != 10:
                                layer.bias.fill_(-20.0)
                opt.zero_grad()
                out = net(xb)
                loss = loss_fn(out, yb)
                # a recurrence that amplifies the backward signal more every step (Adam normalises the step)
                (loss * 10 ** ((k - at) / 25) if fault == "grad-blow-up" and k >= at else loss).backward()
                opt.step()
                if fault == "leak":
                    kept.append(out.sum())  # a running total kept as a tensor: every step's graph stays alive
                w.step(loss)
                k += 1
                if k >= steps:
                    break
    return w


def diagnosis(kb, path):
    m = measure_file(path)
    return m, engine.rank(kb, engine.judge(kb, "record", m.findings, m.confidence))


def symptoms_present(kb, m):
    return {s for s, o in engine.judge(kb, "record", m.findings, m.confidence).items() if o.present}


# ---------------------------------------------------------------- healthy loops: nothing raised

@pytest.mark.parametrize("model", [mlp, cnn], ids=["mlp", "cnn"])
def test_healthy_loop_raises_nothing(kb, digits, tmp_path, model):
    w = train(digits, tmp_path / "run.jsonl", model=model, on_warning="raise")
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert w.warnings == []
    assert shape("record", m.findings) in ("converges", "decreasing") and m.findings["nonfinite"] is False
    assert symptoms_present(kb, m) == set()
    assert ranked[0].score < 0.5, ranked[0]


def test_healthy_regression_raises_nothing(kb, tmp_path):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(1024, 64, generator=g)
    y = X @ torch.randn(64, 1, generator=g) + 0.1 * torch.randn(1024, 1, generator=g)
    w = train((X, y), tmp_path / "run.jsonl", loss_fn=nn.MSELoss(), model=lambda: nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)),
              on_warning="raise")
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert w.warnings == [] and symptoms_present(kb, m) == set() and ranked[0].score < 0.5


# ---------------------------------------------------------------- injected faults: named

def test_exploding_gradients(kb, digits, tmp_path):
    stream = io.StringIO()
    w = train(digits, tmp_path / "run.jsonl", fault="grad-blow-up", stream=stream)
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert m.findings["grad_norm_growth"] > 3  # 10^5.6 by the end; a healthy run stays under 1
    assert ranked[0].cause == "exploding-gradients"
    assert w.warnings and "(likely: exploding-gradients, belief " in w.warnings[0] and w.warnings[0] in stream.getvalue()
    assert int(w.warnings[0].split("step ")[1].split(":")[0]) >= 100  # not before the fault


def test_exploding_gradients_stop_a_doomed_run(digits, tmp_path):
    with pytest.raises(DoomedRun) as err:
        train(digits, tmp_path / "run.jsonl", fault="grad-blow-up", on_warning="raise")
    assert err.value.cause == "exploding-gradients" and 100 <= err.value.step < STEPS
    header, *rest = (tmp_path / "run.jsonl").read_text().splitlines()
    assert json.loads(rest[-1])["error"].startswith("DoomedRun")


def test_learning_rate_jump(kb, digits, tmp_path):
    w = train(digits, tmp_path / "run.jsonl", optimizer="sgd", fault="lr-jump", stream=io.StringIO())
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert shape("record", m.findings) == "explodes"
    # SGD at lr 50: the first step at that rate moves every weight by many times its size (healthy: <0.2)
    assert m.findings["update_ratio_max"] > 1
    assert ranked[0].cause == "lr-too-high"
    assert w.warnings and all(int(x.split("step ")[1].split(":")[0]) >= 100 for x in w.warnings)


def test_nan_at_a_step(kb, digits, tmp_path):
    with pytest.raises(DoomedRun) as err:
        train(digits, tmp_path / "doomed.jsonl", optimizer="sgd", fault="nan", at=120, on_warning="raise")
    assert 120 <= err.value.step < 125  # announced at the first record step that holds it
    train(digits, tmp_path / "run.jsonl", optimizer="sgd", fault="nan", at=120, stream=io.StringIO())
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert m.findings["nonfinite"] is True and m.findings["nonfinite_step"] == 120
    assert ranked[0].cause == "numerical-instability"


def test_memory_growth(kb, digits, tmp_path):
    train(digits, tmp_path / "run.jsonl", fault="leak", stream=io.StringIO())
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    # backward has freed the activations, but each kept sum holds its graph's nodes (~7 KB a step for
    # this MLP): about 7 MB per 1000 steps in the C heap, against under 0.1 for a healthy loop
    assert m.findings["memory_growth_mb_per_1k_steps"] > 4
    assert ranked[0].cause == "memory-leak-retained-graph"


def test_data_loading_bottleneck(kb, digits, tmp_path):
    train(digits, tmp_path / "run.jsonl", fault="slow-data", steps=120, stream=io.StringIO())
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert m.findings["data_wait_frac"] > 0.6  # a 4 ms wait against a sub-millisecond step
    assert ranked[0].cause == "data-loading-bottleneck"


def test_dead_units(kb, digits, tmp_path):
    train(digits, tmp_path / "run.jsonl", fault="kill-units", stream=io.StringIO())
    m, ranked = diagnosis(kb, tmp_path / "run.jsonl")
    assert m.findings["dead_frac_late"] == 1.0  # a bias of -20 against pre-activations of order 1
    assert ranked[0].cause == "dead-relu"


# ---------------------------------------------------------------- the watch itself

def hooks(net, opt):
    return len(net._forward_pre_hooks) + sum(len(m._forward_hooks) for m in net.modules()) + len(opt._optimizer_step_pre_hooks)


def test_hooks_are_removed_even_on_an_exception(tmp_path):
    net, x = mlp(), torch.randn(8, 64)
    opt = torch.optim.Adam(net.parameters())
    before = hooks(net, opt)
    with pytest.raises(ZeroDivisionError):
        with watch(net, opt, record=tmp_path / "run.jsonl", every=1, on_warning="off") as w:
            for i in range(3):
                opt.zero_grad()
                net(x).sum().backward()
                opt.step()
                w.step(net(x).sum())
                assert hooks(net, opt) > before
            1 / 0
    assert hooks(net, opt) == before
    end = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert end == {"kind": "end", "steps": 3, "seconds": end["seconds"], "error": "ZeroDivisionError: division by zero"}


def test_record_format(digits, tmp_path):
    path = tmp_path / "run.jsonl"
    with watch(mlp(), None, record=path, every=10, on_warning="off") as w:
        for i in range(25):
            w.step(torch.tensor(float(i)))
        w.eval({"val_loss": torch.tensor(0.5), "val_acc": 0.9})
    lines = [json.loads(s, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}")) for s in path.read_text().splitlines()]
    assert [x["kind"] for x in lines] == ["header", "step", "step", "step", "step", "eval", "end"]  # steps 0, 10, 20, 21-24
    assert lines[0]["version"] == 1 and lines[0]["every"] == 10 and lines[0]["layers"][0] == "0.weight"
    steps = lines[1:5]
    assert [s["step"] for s in steps] == [0, 10, 20, 24] and [bool(s.get("recorded")) for s in steps] == [True, True, True, False]
    assert sum(len(s["losses"]) for s in steps) == 25 and steps[-1]["losses"][-1] == 24.0
    assert lines[5]["metrics"] == {"val_loss": 0.5, "val_acc": 0.9} and w.steps == 25


def test_timing_splits_data_wait_from_compute(tmp_path):
    net, x = mlp(), torch.randn(32, 64)
    with watch(net, None, every=1, on_warning="off") as w:
        for _ in range(12):
            time.sleep(0.01)  # waiting for the batch
            net(x)
            w.step(1.0)
    m = w.findings()
    assert 0.8 < m.findings["data_wait_frac"] <= 1.0


def test_a_step_skipped_by_the_grad_scaler_is_not_a_nan():
    net, x = mlp(), torch.randn(8, 64)
    opt = torch.optim.SGD(net.parameters(), 0.01)
    with watch(net, opt, every=1, on_warning="off", max_share=None) as w:  # every step recorded
        for i in range(8):
            opt.zero_grad()
            loss = net(x).pow(2).mean()
            loss.backward()
            if i == 4:  # fp16 overflow: GradScaler finds inf gradients and skips optimizer.step
                net[0].weight.grad.fill_(float("inf"))
            else:
                opt.step()
            w.step(loss)
    assert w.findings().findings["nonfinite"] is False and w.rows[4].get("nonfinite_grad") is False


def test_every_bounds_the_per_layer_work(digits, tmp_path):
    w = train(digits, tmp_path / "run.jsonl", steps=100, every=10, on_warning="off")
    assert sum(1 for r in w.rows if r.get("recorded")) == 10


def test_import_stays_torch_free():
    code = ("import sys, dldoctor.probes.registry; dldoctor.probes.registry.catalog(); assert 'torch' not in sys.modules;"
            "from dldoctor.probes import watch, Watch; import dldoctor; assert dldoctor.watch is watch.watch and callable(watch) and Watch.__name__ == 'Watch'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_bad_arguments():
    with pytest.raises(ValueError, match="every"):
        Watch(mlp(), every=0)
    with pytest.raises(ValueError, match="on_warning"):
        Watch(mlp(), on_warning="loud")
    with watch(mlp(), on_warning="off") as w, pytest.raises(TypeError, match="scalar"):
        w.step(torch.ones(3))


# ---------------------------------------------------------------- the report command

def test_watch_report(digits, tmp_path):
    import argparse

    from dldoctor.expert.commands import watch_report

    train(digits, tmp_path / "run.jsonl", fault="grad-blow-up", stream=io.StringIO())
    parser = argparse.ArgumentParser()
    watch_report.add_parser(parser.add_subparsers())
    args = parser.parse_args(["watch-report", str(tmp_path / "run.jsonl"), "--format", "markdown", "--output", str(tmp_path / "r.md")])
    assert args.run(args) == 0
    md = (tmp_path / "r.md").read_text()
    assert "| grad_norm_growth |" in md and "## gradient norm (log10)" in md and "```" in md and "exploding-gradients" in md
    assert "\x1b[" not in md
    args = parser.parse_args(["watch-report", str(tmp_path / "run.jsonl"), "--output", str(tmp_path / "r.txt")])
    assert args.run(args) == 0 and "training loss" in (tmp_path / "r.txt").read_text()
    (tmp_path / "bad.jsonl").write_text("{}\n")
    args = parser.parse_args(["watch-report", str(tmp_path / "bad.jsonl")])
    assert args.run(args) == 2


# ---------------------------------------------------------------- Lightning and assert_trains

@pytest.mark.filterwarnings("ignore:.*LeafSpec")  # lightning's own use of torch's pytree API
def test_lightning_callback(tmp_path):
    import lightning.pytorch as L  # in the test extra: this test runs, it does not skip

    from dldoctor.probes.lightning import DldoctorWatch

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = mlp()

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, i):
            return nn.functional.cross_entropy(self(batch[0]), batch[1])

        def validation_step(self, batch, i):
            self.log("val_loss", nn.functional.cross_entropy(self(batch[0]), batch[1]))

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), 1e-3)

    g = torch.Generator().manual_seed(0)
    ds = torch.utils.data.TensorDataset(torch.randn(256, 64, generator=g), torch.randint(0, 10, (256,), generator=g))
    loader = torch.utils.data.DataLoader(ds, batch_size=32)
    module, cb = Module(), DldoctorWatch(record=tmp_path / "run.jsonl", every=5, on_warning="off")
    trainer = L.Trainer(max_steps=30, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, callbacks=[cb], num_sanity_val_steps=0, limit_val_batches=2)
    trainer.fit(module, loader, loader)
    m = measure_file(tmp_path / "run.jsonl")
    assert m.findings["steps"] == 30 and m.details["evals"] and "val_loss" in m.details["evals"][0]
    assert m.findings["data_wait_frac"] is not None and m.findings["update_ratio_median"] > 0
    assert len(module._forward_pre_hooks) == 0 and cb.watch._hooks == []


def test_assert_trains(digits):
    from dldoctor.testing import assert_trains

    X, y = digits
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
    torch.manual_seed(0)
    beliefs = assert_trains({"model": mlp(), "train_data": loader, "loss_fn": nn.CrossEntropyLoss(),
                             "optimizer": lambda p: torch.optim.Adam(p, 1e-3)})
    assert beliefs[0].score < 0.5
    torch.manual_seed(0)
    with pytest.raises(AssertionError, match="(?s)does not train.*Top cause"):
        assert_trains({"model": mlp(), "train_data": loader, "loss_fn": nn.CrossEntropyLoss(),
                       "optimizer": lambda p: torch.optim.SGD(p, lr=50.0)})
