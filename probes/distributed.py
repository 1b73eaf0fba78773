"""Probe `distributed`: the subject trained on N ranks (torch.distributed, gloo, CPU), ranks compared.

Asked for by the subject's ``"distributed": {"world_size": N}`` (or ``dldoctor diagnose TARGET
--world-size N``).  dldoctor starts the N ranks itself (``torch.multiprocessing``, one process per
rank: probes/ddp_rank.py), each trains a few steps under the watch, and the ranks' records are
compared exactly as ``dldoctor diagnose --record run.jsonl`` compares a real run's
(probes/record_ranks.py): what each rank received (batch fingerprints) and holds (parameter
checksums), its batch size and batch-norm layers, its step and data time.  The learning-rate
scaling is measured against this process's own subject (its optimizer and batch size: the
single-process setup); the under-training that would make it matter is asked, not measured.

The ranks are forked from this process (torch and the target are imported already: a rank starts in
well under a second, where a spawned one imports everything again).  A target's function is called
again in every rank, after the process group is up, so it builds the rank's sampler as the user's
script would; a live subject (the Python API) is the forked copy, as it is.  The ranks work on
their own copies: the user's objects in this process are never touched.
"""
from __future__ import annotations

from dldoctor.probes.record_ranks import FINDINGS
from dldoctor.probes.spec import Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='distributed',
    title='The subject trained on several ranks (DDP, gloo), ranks compared',
    needs=('distributed', 'model', 'train_data', 'loss_fn'),
    cost_s=8.0,
    stage='implement-and-debug',
    doc="Starts world_size ranks with torch.distributed (gloo, CPU), wraps the model in DistributedDataParallel, "
        "trains two short epochs on each under the watch and compares the ranks' records: duplicated batches, an "
        "order repeating epoch over epoch, parameters drifting apart, per-rank batch norm, stragglers, "
        "learning-rate scaling.",
    findings=FINDINGS,
)

JOIN_S = 0.2  # the parent polls its ranks this often
TEARDOWN_POLLS = 50  # polls granted to gloo's teardown once every rank's record is complete (a safety net, ~10 s)


def measure(subject, ctx) -> Measurement:
    import tempfile
    from pathlib import Path

    import torch._dynamo  # noqa: F401  DistributedDataParallel imports it when built: once here, not once per rank
    import torch.multiprocessing as mp

    from dldoctor.probes import ddp_rank, record_ranks

    world = int(subject.distributed["world_size"])
    source = getattr(subject, "source", None)
    with tempfile.TemporaryDirectory(prefix="dldoctor-ddp-") as folder:
        args = (world, folder, source, subject, ctx.seed)
        procs = mp.start_processes(ddp_rank.run, args=args, nprocs=world, join=False, start_method="fork")
        done, notes = lambda: all(Path(folder, f"done.rank{r}").exists() for r in range(world)), []
        try:
            polls_after_done = 0
            while not procs.join(timeout=JOIN_S):
                polls_after_done += done()
                if polls_after_done > TEARDOWN_POLLS:  # every record is complete; a rank hangs in gloo's teardown
                    notes.append("a rank hung in the process group's teardown after its record was complete (stopped)")
                    break
                if ctx.time_left() <= 0:
                    raise TimeoutError(f"the {world} ranks did not finish in the probe's time")
        except (mp.ProcessRaisedException, mp.ProcessExitedException) as exc:
            if not done():
                kind = "failed" if isinstance(exc, mp.ProcessRaisedException) else "exited"
                raise RuntimeError(f"a rank {kind}: {_first_error(folder) or str(exc).strip().splitlines()[-1]}") from None
            notes.append("a rank failed in the process group's teardown after its record was complete")
        finally:
            for p in procs.processes:
                if p.is_alive():
                    p.kill()
        files = record_ranks.find(f"{folder}/run.jsonl") or []
        ranks = record_ranks.load(files, world)
        f = record_ranks.findings(ranks, None)
        f["lr_batch_scaling"] = _scaling(subject, ranks)
        notes = ranks.notes + notes + [f"{world} gloo ranks trained {ddp_rank.EPOCHS} epochs of at most {ddp_rank.BATCHES} batches each"]
        return Measurement(findings=f, details=record_ranks.details(ranks), notes=notes)


def _first_error(folder: str) -> str | None:
    from pathlib import Path

    for p in sorted(Path(folder).glob("error.rank*.txt")):
        return p.read_text(encoding="utf-8").splitlines()[0]
    return None


def _scaling(subject, ranks) -> float | None:
    """How the ranks' learning rate followed the world's batch, against the single-process subject's."""
    from dldoctor.probes import training
    from dldoctor.probes.record_ranks import exponent

    lr = next((r["lr"][0] for r in ranks.ranks[0].steps if r.get("lr")), None) if ranks.ranks else None
    sizes = [r.header.get("batch_size") for r in ranks.ranks]
    x, _ = training.first_batch(subject)
    base = int(x.shape[0]) if hasattr(x, "shape") and len(x.shape) else None
    if not lr or not base or not sizes or not all(sizes):
        return None
    world_batch = sum(sizes) * ranks.world_size / len(ranks.ranks)
    return exponent(lr, training.configured_lr(subject), world_batch, base)
