"""A user's two-rank DDP training script (torch.multiprocessing.spawn, gloo, CPU) under the watch.

    python train_ddp.py OUT MODE [EPOCHS]

MODE is how the user's loop feeds and syncs its ranks:
  plain         each rank builds a plain shuffled DataLoader over the whole data set, seeded alike
  sampler       DistributedSampler, set_epoch(epoch) every epoch (healthy)
  no-set-epoch  DistributedSampler, set_epoch never called
  unsynced      DistributedSampler, but the model is not wrapped in DDP (each rank trains alone)
  bn            DistributedSampler, a BatchNorm1d model with 4 examples per rank
  straggler     DistributedSampler, rank 1's loader takes 20 ms per batch (a slow collate)
Writes OUT/run.rank0.jsonl and OUT/run.rank1.jsonl, and OUT/done.rank{R} once rank R's record is closed
(what follows is gloo's teardown, which can abort or hang on its own: the test does not judge that).
"""
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from dldoctor.probes import watch

WORLD = 2


def data():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:512], y[:512]
    return TensorDataset(torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y))


def slow_collate(batch):
    time.sleep(0.02)
    return torch.utils.data.default_collate(batch)


def main(rank, out, mode, epochs, init):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=WORLD)
    torch.manual_seed(0)
    ds = data()
    batch = 4 if mode == "bn" else 32
    if mode == "plain":
        loader = DataLoader(ds, batch_size=batch, shuffle=True)
    else:
        collate = slow_collate if mode == "straggler" and rank == 1 else None
        loader = DataLoader(ds, batch_size=batch, sampler=DistributedSampler(ds, shuffle=True, seed=0), collate_fn=collate)
    layers = [nn.Linear(64, 64), nn.BatchNorm1d(64)] if mode == "bn" else [nn.Linear(64, 64)]
    if mode == "unsynced":
        torch.manual_seed(rank)  # each rank builds its own model and never syncs it
    net = nn.Sequential(*layers, nn.ReLU(), nn.Linear(64, 10))
    model = net if mode == "unsynced" else nn.parallel.DistributedDataParallel(net)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    steps = 60 if mode == "bn" else None
    if os.environ.get("TRAIN_DDP_FAIL"):
        raise RuntimeError("TRAIN_DDP_FAIL: the user's loop fails before its record is closed")
    with watch(model, opt, record=os.path.join(out, "run.jsonl"), every=5) as w:
        for epoch in range(epochs):
            if mode != "no-set-epoch" and hasattr(loader.sampler, "set_epoch"):
                loader.sampler.set_epoch(epoch)
            for i, (x, y) in enumerate(loader):
                if steps is not None and i >= steps:
                    break
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                w.step(loss)
    open(os.path.join(out, f"done.rank{rank}"), "w").close()
    if rank == 0 and os.environ.get("TRAIN_DDP_TEARDOWN") == "abort":
        os.abort()  # what gloo's teardown sometimes does ("terminate called without an active exception")
    dist.destroy_process_group()


if __name__ == "__main__":
    out, mode = sys.argv[1], sys.argv[2]
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    os.makedirs(out, exist_ok=True)
    init = "file://" + os.path.join(os.path.abspath(out), "store")
    if os.path.exists(init[7:]):
        os.remove(init[7:])
    mp.spawn(main, args=(out, mode, epochs, init), nprocs=WORLD)
