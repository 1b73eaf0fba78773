"""The watch's fault set (benchmarks/record_faults.py): 11 planted faults and 3 healthy runs of a tiny
MLP, 300 steps at every=10 with the watch's defaults, each diagnosed from its record alone.  Plus the
record's diagnostic signals one by one, on faults and on healthy code that looks like them."""
from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record_faults import FAULTS, HEALTHY, digits, judge, run  # noqa: E402
from dldoctor.probes.record import measure_file  # noqa: E402
from dldoctor.probes.watch import watch  # noqa: E402
from dldoctor.probes.watch_pace import FULL, Pace  # noqa: E402
from zoo.faults import softmax_output  # noqa: E402


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records")
    data = digits()
    out = {}
    for name in [*FAULTS, *HEALTHY]:
        path = folder / f"{name}.jsonl"
        warnings = run(name, path, steps=300, every=10, data=data)
        out[name] = (path, warnings)
    return out


def test_the_record_alone_names_the_cause(records):
    verdicts = {name: judge(records[name][0]) for name in FAULTS}
    right = [n for n, j in verdicts.items() if j["verdict"] == "problems" and j["top"] == FAULTS[n]]
    assert len(right) >= 9, {n: (j["top"], round(j["score"], 2)) for n, j in verdicts.items() if n not in right}
    # the three misses: the blown-up run without zero_grad, the rate that killed the units, raw pixels
    assert {"no-zero-grad", "lr-high", "raw-inputs"} <= set(right)


def test_a_run_whose_loss_exploded_is_never_healthy(records):
    exploded = [n for n in records if judge(records[n][0])["exploded"]]
    assert {"no-zero-grad", "exploding", "nan-later"} <= set(exploded)
    for name in exploded:
        assert judge(records[name][0])["verdict"] == "problems", name


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_runs_are_healthy_from_their_record(records, name):
    path, warnings = records[name]
    j = judge(path)
    assert j["verdict"] == "healthy", j
    assert warnings == []


def test_the_cli_judges_a_blown_up_record(records):
    out = subprocess.run([sys.executable, "-m", "dldoctor.expert.cli", "diagnose", "--record", str(records["no-zero-grad"][0]),
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout)
    assert report["verdict"] == "problems" and report["causes"][0]["id"] == "missing-zero-grad", out.stderr[-2000:]
    assert out.returncode != 0  # problems found


def test_early_warnings_name_the_engines_cause_once_each(records):
    _, warnings = records["no-zero-grad"]
    assert any("not reset" in w and "(likely: missing-zero-grad" in w for w in warnings), warnings
    titles = [w.split(": ", 2)[2].split(" (")[0] for w in warnings]
    assert len(titles) == len(set(titles))  # each symptom at most once
    _, warnings = records["nan-later"]
    assert any("NaN" in w for w in warnings) and all(int(w.split("step ")[1].split(":")[0]) >= 150 for w in warnings)


# ---------------------------------------------------------------- the signals one by one

def _loop(steps=60, *, accumulate=1, zero_grad=True, clip=None, every=5, model=None, x_scale=1.0, **options):
    torch.manual_seed(0)
    net = model or nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(net.parameters(), 0.01)
    g = torch.Generator().manual_seed(0)
    buf = io.StringIO()
    rows = []
    with watch(net, opt, every=every, stream=buf, max_share=None, **options) as w:
        for _ in range(steps):
            if zero_grad:
                opt.zero_grad()
            for _ in range(accumulate):  # micro-batches summed into one step
                x = torch.randn(16, 8, generator=g) * x_scale
                loss = nn.functional.cross_entropy(net(x), torch.randint(0, 3, (16,), generator=g)) / accumulate
                loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
            w.step(loss)
        rows = w.rows
    return w, rows


def _carry(rows):
    return [r["grad_carry"] for r in rows if r.get("grad_carry") is not None][1:]


def test_grad_carry_is_at_most_one_when_gradients_are_reset():
    for kw in ({}, {"accumulate": 4}, {"clip": 0.01}):  # plain, gradient accumulation, clipping: all reset after the step
        _, rows = _loop(**kw)
        assert _carry(rows) and max(_carry(rows)) <= 1.0 + 1e-4, kw


def test_grad_carry_grows_without_zero_grad():
    _, rows = _loop(zero_grad=False)
    c = _carry(rows)
    assert min(c) > 1.5 and c[-1] > c[0]  # each step's .grad holds every earlier gradient


def test_first_batches_inputs_and_outputs():
    w, rows = _loop(steps=10, x_scale=100.0, model=softmax_output(nn.Linear(8, 3)))
    inputs = [i for r in rows for i in r.get("inputs", [])]
    outputs = [o for r in rows for o in r.get("outputs", [])]
    assert len(inputs) == 3 and len(outputs) == 3
    assert max(abs(i["max"]) for i in inputs) > 100 and inputs[0]["dtype"] == "float32"
    assert all(o["width"] == 3 and o["rowsum_dev"] < 1e-5 and o["min"] >= 0 for o in outputs)
    _, plain = _loop(steps=10)
    assert all(o["rowsum_dev"] > 1e-3 for r in plain for o in r.get("outputs", []))  # logits are not a distribution


def test_nonfinite_names_its_step_and_layer(tmp_path):
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(net.parameters(), 0.01)
    with watch(net, opt, record=tmp_path / "r.jsonl", every=5, on_warning="off", max_share=None) as w:
        for k in range(40):
            opt.zero_grad()
            x = torch.randn(4, 8)
            if k == 22:
                x[0, 0] = float("inf")
            loss = nn.functional.cross_entropy(net(x), torch.zeros(4, dtype=torch.long))
            loss.backward()
            opt.step()
            w.step(loss)
    m = measure_file(tmp_path / "r.jsonl")
    assert m.findings["nonfinite_step"] == 22 and m.details["nonfinite"]["step"] == 22
    assert m.details["nonfinite"]["layers"][0] == "0.weight"
    assert any("step 22" in n for n in m.notes)


def test_pace_stretches_the_interval_only_after_the_first_record_steps():
    p = Pace(10, 0.02)
    for _ in range(FULL - 1):
        p.recorded(0.001, 0.0005)  # a record step costs 2 training steps' time
    assert p.stride == 10
    p.recorded(0.001, 0.0005)
    assert p.stride >= 160 and 0.001 / (p.stride * 0.0005) <= 0.02
    fixed = Pace(10, None)
    for _ in range(3 * FULL):
        fixed.recorded(0.001, 0.0005)
    assert fixed.stride == 10
    cheap = Pace(1, 0.02)
    for _ in range(3 * FULL):
        cheap.recorded(1e-6, 0.016)  # a 16 ms step: the watch's work is noise, every step is recorded
    assert cheap.stride == 1


def test_a_stretched_record_keeps_every_loss(tmp_path):
    net = nn.Sequential(nn.Linear(8, 3))
    opt = torch.optim.SGD(net.parameters(), 0.01)
    with watch(net, opt, record=tmp_path / "r.jsonl", every=1, on_warning="off", max_share=1e-9) as w:
        for _ in range(200):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(torch.randn(4, 8)), torch.zeros(4, dtype=torch.long))
            loss.backward()
            opt.step()
            w.step(loss)
    rows = [json.loads(s) for s in (tmp_path / "r.jsonl").read_text().splitlines()[1:-1]]
    rec = [r for r in rows if r.get("recorded")]
    assert len(rec) < 200 / 4 and max(r["stride"] for r in rec) > 1
    assert sum(len(r["losses"]) for r in rows) == 200 and all(not math.isnan(v) for r in rows for v in r["losses"])


def test_diagnose_a_target_with_its_record_combines_both(records):
    from dldoctor.expert.diagnosis import diagnose

    (X, y), _ = digits()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True)
    torch.manual_seed(0)
    subject = {"model": nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)), "train_data": loader,
               "loss_fn": nn.CrossEntropyLoss(), "optimizer": lambda p: torch.optim.Adam(p, 1e-3)}
    report = diagnose(subject, record=str(records["no-zero-grad"][0]), probes=["runs", "record", "loss-at-init"], budget=60)
    sources = {o["source"] for o in report.observations}
    assert {"record", "loss-at-init"} <= sources  # evidence of both kinds in one ranking
    assert report.causes[0].id == "missing-zero-grad"
    assert any(e.probe == "record" for e in report.causes[0].evidence)
