"""One rank of the distributed probe (probes/distributed.py): a short DDP run under the watch.

Each rank joins a gloo process group (a file store in the probe's own temporary folder), loads
the subject again (for a target: its function runs with the process group initialised, so it
builds this rank's sampler as the user's script would), wraps the model in
``DistributedDataParallel`` (unless it already is one), and trains ``EPOCHS`` epochs of at most
``BATCHES`` batches each with the user's step, under ``watch(record=...)``: the rank's record is
what ``dldoctor diagnose --record`` would read of a real run.  ``set_epoch`` is called on the
loader's sampler before each epoch, as a correct loop does, so that an order that repeats anyway
(a sampler that ignores it) is what shows.  A rank's failure is written to ``error.rank{R}.txt``; ``done.rank{R}`` marks a rank whose
record is complete (after the barrier, before the process group's teardown).
"""
from __future__ import annotations

import traceback
from pathlib import Path

EPOCHS = 2  # two epochs: an order that repeats from one epoch to the next shows in the second
BATCHES = 8  # batches per epoch: enough steps to compare ranks, few enough to stay a probe


def run(rank: int, world: int, folder: str, source, subject, seed: int) -> None:
    """The rank's entry point (``torch.multiprocessing.start_processes``, forked)."""
    out = Path(folder)
    try:
        _run(rank, world, out, source, subject, seed)
    except BaseException as exc:  # the parent reads it: a probe failure, not a hang
        if (out / f"done.rank{rank}").exists():
            raise  # the teardown failed after a complete record: the parent goes on without it
        (out / f"error.rank{rank}.txt").write_text(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", encoding="utf-8")
        raise


def _run(rank, world, out, source, subject, seed) -> None:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from dldoctor.probes import training
    from dldoctor.probes.watch import Watch

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=(out / "store").as_uri(), rank=rank, world_size=world)
    try:
        torch.manual_seed(seed)
        if source is not None:
            from dldoctor.expert.target import load

            subject = load(source)
        model = subject.model
        ddp = model if isinstance(model, DistributedDataParallel) else DistributedDataParallel(model)
        optimizer = training.make_optimizer(subject, ddp.module)
        ddp.train()
        with Watch(ddp, optimizer, record=out / "run.jsonl", every=1, on_warning="off") as w:
            for epoch in range(EPOCHS):
                sampler = getattr(subject.train_data, "sampler", None)
                if hasattr(sampler, "set_epoch"):
                    sampler.set_epoch(epoch)
                for batch in training.batches(subject.train_data, BATCHES):
                    w.step(training.step(subject, batch, optimizer, ddp))
        dist.barrier()
        (out / f"done.rank{rank}").touch()  # the record is complete: what follows is gloo's teardown
    finally:
        dist.destroy_process_group()
