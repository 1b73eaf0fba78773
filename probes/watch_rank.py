"""What the watch adds to its record under torch.distributed: one file per rank, and fingerprints.

Under an initialised process group ``watch(..., record="run.jsonl")`` writes ``run.rank{R}.jsonl``
(R = the global rank); the header gains ``rank``, ``world_size``, ``backend``, ``run_id``,
``run_id_from``, ``ddp`` (the watched model is a ``DistributedDataParallel``) and
``batchnorm_layers`` (BatchNorm layers that are not ``SyncBatchNorm``).  Every record, one process
or many, gains ``batch_size`` in its header: the leading dimension of the first batch the model
received in training (the header is written once that is known, or at the first line otherwise).

Fingerprints (distributed runs only).  Each step the forward pre-hook the watch already has copies
``SAMPLED`` elements of the batch's first tensor, at fixed pseudo-random positions (a handful of
elements on the batch's device: one small gather, no host sync).  On record steps they are moved
to the host at once and hashed with the batch's shape: ``batch_fps`` holds one fingerprint per step
of the row's window (null for a step whose batch was not seen), so that ``dldoctor diagnose
--record`` can compare what each rank received at the same step, and see a rank's order repeat.
Record steps also carry ``params_fp``: the sum, a fixed weighted sum and the sum of magnitudes of
the watch's per-layer parameter samples (probes/layer_sample.py), after that step's update.
Ranks of a DDP run hold the same parameters, so their sums agree to rounding.

Run id.  Ranks must not merge with another run's files, and no collective call may be added (a
watch started on rank 0 only would hang one).  The first rank to start a watch for a record path
puts a random id into the process group's key-value store (``compare_set``: one round trip to the
store, atomic, never waiting for another rank); every other rank reads that id back.  Without a
reachable store the id is ``TORCHELASTIC_RUN_ID`` (torchrun) or a hash of the rendezvous address,
world size and path (``run_id_from`` says which).
"""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import torch
from torch import nn

from dldoctor.probes.layer_sample import sample as _sample

SAMPLED = 64  # batch elements per fingerprint: two different batches agreeing on 64 spread-out values do not happen
STORE_KEY = "dldoctor/watch-run/"


def distributed() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def rank_path(path: Path, rank: int) -> Path:
    """run.jsonl -> run.rank0.jsonl (a name without a suffix gets .rank0 appended)."""
    path = Path(path)
    if path.suffix:
        return path.with_name(f"{path.stem}.rank{rank}{path.suffix}")
    return path.with_name(f"{path.name}.rank{rank}")


def run_id(path) -> tuple[str, str]:
    """(the run's id, where it came from): the same on every rank of one process group."""
    import torch.distributed as dist

    key = STORE_KEY + str(path)  # as the script gave it: the same string on every rank
    try:
        store = dist.distributed_c10d._get_default_store()
        mine = uuid.uuid4().hex[:16]
        got = store.compare_set(key, "", mine)
        return (got.decode() if isinstance(got, bytes) else str(got)), "store"
    except (AttributeError, RuntimeError, ValueError, TypeError):
        pass
    elastic = os.environ.get("TORCHELASTIC_RUN_ID")
    if elastic and elastic != "none":
        return f"elastic-{elastic}", "torchelastic"
    seed = "|".join([os.environ.get("MASTER_ADDR", ""), os.environ.get("MASTER_PORT", ""), str(dist.get_world_size()),
                     str(Path(path).resolve())])
    return hashlib.blake2b(seed.encode(), digest_size=8).hexdigest(), "address"


def fingerprint(shape, values) -> str:
    return hashlib.blake2b(repr((tuple(shape), values)).encode(), digest_size=8).hexdigest()


def _first_tensor(obj, depth: int = 0):
    if torch.is_tensor(obj):
        return obj
    if depth > 3:
        return None
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
    for x in items:
        t = _first_tensor(x, depth + 1)
        if t is not None:
            return t
    return None


class RankWatch:
    """The watch's distributed part; ``header`` is the watch's own header dict, filled in place."""

    def __init__(self, model: nn.Module, params: list, path, header: dict):
        self.header, self.path = header, Path(path) if path is not None else None
        self.fingerprints = distributed()
        header["batch_size"] = None
        self._pending, self._window, self._positions = None, [], {}
        if not self.fingerprints:
            return
        import torch.distributed as dist

        rank, world = dist.get_rank(), dist.get_world_size()
        bns = [n for n, m in model.named_modules()
               if isinstance(m, nn.modules.batchnorm._BatchNorm) and not isinstance(m, nn.SyncBatchNorm)]
        header.update(rank=rank, world_size=world, backend=str(dist.get_backend()),
                      ddp=isinstance(model, nn.parallel.DistributedDataParallel), batchnorm_layers=bns)
        if self.path is not None:
            header["run_id"], header["run_id_from"] = run_id(self.path)
            self.path = rank_path(self.path, rank)
        self._samples = [_sample(p) for p in params]
        n = sum(s.numel() for s in self._samples)
        device = self._samples[0].device if self._samples else torch.device("cpu")
        self._dtype = torch.float64 if device.type in ("cpu", "cuda") else torch.float32
        gen = torch.Generator().manual_seed(0)  # the same weights on every rank
        self._weights = (torch.rand(n, generator=gen, dtype=torch.float64) + 0.5).to(device, self._dtype)

    # ---------------------------------------------------------------- per step
    def on_forward(self, module, args) -> None:
        """The first training forward of a step: its batch size (once) and its sampled elements."""
        if self._pending is not None or not module.training or not torch.is_grad_enabled():
            return
        x = _first_tensor(args)
        if x is None:
            return
        if self.header["batch_size"] is None and x.dim():
            self.header["batch_size"] = int(x.shape[0])
        if not self.fingerprints:
            self._pending = False
            return
        flat = x.detach().reshape(-1)
        n = flat.numel()
        idx = self._positions.get((n, flat.device))
        if idx is None and n > SAMPLED:
            gen = torch.Generator().manual_seed(n)  # the same positions on every rank, for every batch of this size
            idx = self._positions[(n, flat.device)] = torch.randint(n, (SAMPLED,), generator=gen).to(flat.device)
        part = flat.index_select(0, idx) if idx is not None else flat.clone()
        self._pending = (tuple(x.shape), part)

    def end_step(self) -> None:
        if self.fingerprints:
            self._window.append(self._pending or None)
        self._pending = None

    # ---------------------------------------------------------------- per row
    def fields(self, recorded: bool) -> dict:
        """``batch_fps`` for the row's window and, on record steps, ``params_fp`` (one host transfer)."""
        if not self.fingerprints:
            return {}
        window, self._window = self._window, []
        device = self._weights.device
        parts = [p[1].reshape(-1).to(device, self._dtype) for p in window if p]
        if recorded and self._samples:
            s = torch.cat([t.reshape(-1).to(device, self._dtype) for t in self._samples])
            parts.append(torch.stack([s.sum(), (s * self._weights).sum(), s.abs().sum()]))
        flat = torch.cat(parts).tolist() if parts else []
        out, i = {"batch_fps": []}, 0
        for p in window:
            if not p:
                out["batch_fps"].append(None)
                continue
            n = p[1].numel()
            out["batch_fps"].append(fingerprint(p[0], flat[i:i + n]))
            i += n
        if recorded and self._samples:
            out["params_fp"] = flat[i:i + 3]
        return out


def attach(model: nn.Module, params: list, path, header: dict) -> RankWatch:
    return RankWatch(model, params, path, header)
