"""probes.watch_rank: the watch's per-rank file, header fields and fingerprints, in this process
(a one-rank gloo group: what a rank writes does not depend on its peers)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from torch import nn

from dldoctor.probes.watch import Watch
from dldoctor.probes.watch_rank import fingerprint, rank_path


def loop(path, steps=12, batch=16, every=5, data=None):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    xs = data if data is not None else [torch.randn(batch, 8) for _ in range(steps)]
    with Watch(net, opt, record=path, every=every, on_warning="off") as w:
        for x in xs:
            opt.zero_grad()
            loss = net(x).pow(2).mean()
            loss.backward()
            opt.step()
            w.step(loss)
            with torch.no_grad():
                net.eval()
                net(torch.randn(3, 8))  # an evaluation forward: not the step's batch
                net.train()
    return w


def lines(path):
    return [json.loads(s) for s in Path(path).read_text().splitlines()]


@pytest.fixture
def group(tmp_path):
    dist.init_process_group("gloo", init_method=(tmp_path / "store").as_uri(), rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_rank_paths():
    assert rank_path(Path("out/run.jsonl"), 3) == Path("out/run.rank3.jsonl")
    assert rank_path(Path("run"), 0) == Path("run.rank0")


def test_a_single_process_record_is_unchanged_but_for_the_batch_size(tmp_path):
    loop(tmp_path / "run.jsonl")
    head, *rows = lines(tmp_path / "run.jsonl")
    assert head["kind"] == "header" and head["batch_size"] == 16 and "rank" not in head
    assert not any("batch_fps" in r or "params_fp" in r for r in rows)


def test_under_a_process_group_the_rank_writes_its_own_file(tmp_path, group):
    loop(tmp_path / "run.jsonl")
    assert not (tmp_path / "run.jsonl").exists()
    head, *rows = lines(tmp_path / "run.rank0.jsonl")
    assert (head["rank"], head["world_size"], head["backend"], head["batch_size"]) == (0, 1, "gloo", 16)
    assert head["batchnorm_layers"] == ["1"] and head["ddp"] is False and head["run_id_from"] == "store"
    steps = [r for r in rows if r["kind"] == "step"]
    assert sum(len(r["batch_fps"]) for r in steps) == 12 and all(len(r["batch_fps"]) == len(r["losses"]) for r in steps)
    assert all(len(r["params_fp"]) == 3 for r in steps if r.get("recorded"))
    assert len({fp for r in steps for fp in r["batch_fps"]}) == 12  # twelve different batches


def test_the_same_batches_give_the_same_fingerprints(tmp_path, group):
    torch.manual_seed(1)
    data = [torch.randn(16, 8) for _ in range(6)]
    loop(tmp_path / "a.jsonl", data=data)
    loop(tmp_path / "b.jsonl", data=data)
    fps = [[fp for r in lines(tmp_path / f"{n}.rank0.jsonl")[1:] if r["kind"] == "step" for fp in r["batch_fps"]] for n in "ab"]
    assert fps[0] == fps[1] and None not in fps[0]
    ids = [lines(tmp_path / f"{n}.rank0.jsonl")[0]["run_id"] for n in "ab"]
    assert ids[0] != ids[1]  # another record path: another run id


def test_a_one_element_change_in_a_sampled_batch_changes_its_fingerprint():
    assert fingerprint((4, 2), [0.0, 1.0]) != fingerprint((4, 2), [0.0, 1.5])
    assert fingerprint((4, 2), [0.0, 1.0]) != fingerprint((2, 4), [0.0, 1.0])
