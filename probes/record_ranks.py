"""The records of a distributed run's ranks: found, checked to be one run, merged, compared.

Torch-free.  ``find(spec)`` turns a ``--record`` argument into files: ``run.jsonl`` names the rank
files ``run.rank*.jsonl`` beside it (or the single file, when it has no rank files or is newer than
all of them); a glob (``'run.rank*.jsonl'``) names what it matches.  ``load(files)`` reads them and
keeps one run: files are grouped by the header's ``run_id`` (probes/watch_rank.py), the group
started last is kept, every other file is named in a note and never merged.  A rank of
``world_size`` without a file is reported (``ranks_missing`` and a note).

``findings(ranks, baseline)`` compares the ranks (the finding names are ``FINDINGS``, declared by
probe ``distributed``, which also measures them actively: probes/distributed.py).
"""
from __future__ import annotations

import glob
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from dldoctor.probes.curve import median
from dldoctor.probes.record import read
from dldoctor.probes.spec import Finding

FINDINGS = (
    Finding('world_size', 'number', 'ranks of the run (the headers\' world_size)'),
    Finding('ranks_missing', 'number', 'ranks of the run that left no record'),
    Finding('duplicate_batch_frac', 'number', 'share of the steps compared at which two ranks received the same batch'),
    Finding('epoch_repeat_frac', 'number', "largest over ranks: share of a rank's batches, after its first batch came back, equal to the batch one period earlier"),
    Finding('param_divergence', 'number', 'largest relative difference across ranks of the parameter checksums at the same step'),
    Finding('bn_local_batch', 'number', 'the per-rank batch size when the model has BatchNorm layers that are not SyncBatchNorm (None without them)'),
    Finding('straggler_share', 'number', "share of the median step time by which one rank's wait for data exceeds the other ranks' median (ranks in DDP)"),
    Finding('step_time_ratio', 'number', "slowest rank's median step time / the other ranks' median (ranks in DDP)"),
    Finding('lr_batch_scaling', 'number', 'log(learning-rate growth) / log(effective-batch growth) against the single-process baseline: 0 unchanged, 0.5 square-root, 1 linear scaling (None when the batch did not grow)'),
    Finding('baseline_loss_ratio', 'number', 'training loss / the single-process baseline\'s, at the same number of examples seen'),
)
RANK_FILE = re.compile(r"\.rank(\d+)(\.[^.]*)?$")
GLOB_CHARS = re.compile(r"[*?\[]")
LATE = 0.2  # baseline_loss_ratio compares the losses over the last 20% of the shared examples


@dataclass
class Rank:
    path: str
    header: dict
    steps: list
    evals: list


@dataclass
class Ranks:
    ranks: list  # Rank, by rank
    world_size: int
    missing: list
    notes: list = field(default_factory=list)


def find(spec) -> list[str] | None:
    """The rank files a --record argument names; None when it names one single-process record."""
    text = str(spec)
    if GLOB_CHARS.search(Path(text).name):
        got = sorted(glob.glob(text))
        if not got:
            raise ValueError(f"{text}: no file matches")
        return got
    path = Path(text)
    if RANK_FILE.search(path.name):
        return [text]
    pattern = f"{glob.escape(path.stem)}.rank*{glob.escape(path.suffix)}" if path.suffix else f"{glob.escape(path.name)}.rank*"
    got = sorted(str(p) for p in path.parent.glob(pattern) if RANK_FILE.search(p.name))
    if not got or (path.is_file() and path.stat().st_mtime > max(Path(p).stat().st_mtime for p in got)):
        return None
    return got


def load(files, world_size: int | None = None) -> Ranks:
    """One run's ranks from these files (ValueError names a file that is not a record)."""
    read_ok, notes = [], []
    for f in files:
        try:
            header, steps, evals, more = read(f)
        except ValueError as exc:
            raise ValueError(f"{f}: {exc}") from None
        notes += [f"{f}: {n}" for n in more]
        if not isinstance(header.get("rank"), int):
            raise ValueError(f"{f}: not a rank's record (its header has no rank; read it alone with --record {f})")
        read_ok.append(Rank(str(f), header, steps, evals))
    groups: dict = {}
    for r in read_ok:
        groups.setdefault(r.header.get("run_id"), []).append(r)
    keep = max(groups, key=lambda g: (max(str(r.header.get("started", "")) for r in groups[g]), len(groups[g])))
    for rid, group in groups.items():
        if rid != keep:
            names = ", ".join(Path(r.path).name for r in group)
            notes.append(f"{names}: another run (run id {rid}, started {group[0].header.get('started')}): not merged")
    by_rank: dict = {}
    for r in sorted(groups[keep], key=lambda r: r.header["rank"]):
        if r.header["rank"] in by_rank:
            notes.append(f"{Path(r.path).name}: a second record of rank {r.header['rank']} of run {keep}: not merged")
            continue
        by_rank[r.header["rank"]] = r
    declared = max(int(r.header.get("world_size") or 0) for r in by_rank.values())
    if world_size is not None and world_size != declared:
        notes.append(f"--world-size {world_size}, but the records say {declared}: the run's {declared} is used")
    missing = [k for k in range(declared) if k not in by_rank]
    if missing:
        notes.append(f"rank{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} of {declared} left no record "
                     f"(run id {keep}): the comparison is over the other ranks")
    return Ranks(list(by_rank.values()), declared, missing, notes)


# ---------------------------------------------------------------- comparing the ranks

def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _per_step(r: Rank, key: str) -> dict:
    """step -> value of a per-step list (``batch_fps``) over the rows' windows."""
    out = {}
    for row in r.steps:
        vals = row.get(key) or []
        first = row["step"] - len(vals) + 1
        for j, v in enumerate(vals):
            if v is not None:
                out[first + j] = v
    return out


def _duplicates(fps: list) -> float | None:
    steps = set().union(*fps) if fps else set()
    compared = dup = 0
    for s in steps:
        seen = [f[s] for f in fps if s in f]
        if len(seen) >= 2:
            compared += 1
            dup += len(set(seen)) < len(seen)
    return dup / compared if compared else None


def _repeat(fp: dict) -> float | None:
    """After the first step whose batch equals the first one's (a candidate period), the share of batches
    equal to the batch one period before (the match that defined the period is not counted)."""
    order = [fp[s] for s in sorted(fp)]
    if len(order) < 2:
        return None
    period = next((i for i in range(1, len(order)) if order[i] == order[0]), None)
    if period is None:
        return 0.0
    tail = range(period + 1, len(order))
    return sum(order[i] == order[i - period] for i in tail) / len(tail) if tail else None


def _divergence(ranks: list) -> float | None:
    at: dict = {}
    for r in ranks:
        for row in r.steps:
            v = row.get("params_fp")
            if isinstance(v, list) and len(v) == 3 and all(_num(x) is not None for x in v):
                at.setdefault(row["step"], []).append(v)
    worst = None
    for vs in at.values():
        if len(vs) < 2:
            continue
        scale = max(median([abs(v[2]) for v in vs]), 1e-30)
        spread = max((max(v[i] for v in vs) - min(v[i] for v in vs)) / scale for i in (0, 1))
        worst = spread if worst is None else max(worst, spread)
    return worst


def _means(r: Rank) -> tuple[float | None, float | None]:
    """(step time, data time) of a rank: medians over its rows' window means (a stall or a start-up
    step moves one row, not the median)."""
    pts = [(_num(row.get("step_time")), _num(row.get("data_time"))) for row in r.steps if row.get("timed_steps")]
    pts = [(a, b) for a, b in pts if a is not None and b is not None]
    return (median([a for a, _ in pts]), median([b for _, b in pts])) if pts else (None, None)


def _timing(ranks: list) -> tuple[float | None, float | None]:
    """(straggler_share, step_time_ratio) of ranks that step together: all of them wrapped in DDP, whose
    all-reduce makes every rank wait for the slowest (ranks that do not synchronise run at their own pace)."""
    if not all(r.header.get("ddp") for r in ranks):
        return None, None
    means = [m for m in (_means(r) for r in ranks) if m[0] is not None]
    if len(means) < 2:
        return None, None
    slow_d = max(range(len(means)), key=lambda i: means[i][1])
    others_d = [m[1] for i, m in enumerate(means) if i != slow_d]
    step = median([m[0] for m in means])
    share = (means[slow_d][1] - median(others_d)) / step if step > 0 else None
    slow_s = max(range(len(means)), key=lambda i: means[i][0])
    others_s = median([m[0] for i, m in enumerate(means) if i != slow_s])
    return share, (means[slow_s][0] / others_s if others_s > 0 else None)


def _lr(steps: list):
    return next((_num(row["lr"][0]) for row in steps if row.get("lr")), None)


def _losses_by_examples(steps: list, per_step: float) -> list[tuple[float, float]]:
    out = []
    for row in steps:
        losses = row.get("losses") or []
        first = row["step"] - len(losses) + 1
        out += [((first + j + 1) * per_step, float(v)) for j, v in enumerate(losses) if _num(v) is not None]
    return out


def exponent(lr, base_lr, batch, base_batch) -> float | None:
    """How the learning rate followed the batch: log(lr growth) / log(batch growth)."""
    if not lr or not base_lr or lr <= 0 or base_lr <= 0 or not batch or not base_batch or batch / base_batch < 1.05:
        return None
    return math.log(lr / base_lr) / math.log(batch / base_batch)


def _scaling(ranks: list, baseline) -> tuple[float | None, float | None]:
    if baseline is None:
        return None, None
    header, steps = baseline
    sizes = [r.header.get("batch_size") for r in ranks]
    base_batch = header.get("batch_size")
    if not base_batch or not sizes or not all(sizes):
        return None, None
    world_batch = sum(sizes) * (ranks[0].header.get("world_size") or len(ranks)) / len(ranks)
    lr, base_lr = _lr(ranks[0].steps), _lr(steps)
    scaling = exponent(lr, base_lr, world_batch, base_batch)
    mine = _losses_by_examples(ranks[0].steps, world_batch)
    theirs = _losses_by_examples(steps, base_batch)
    if not mine or not theirs:
        return scaling, None
    end = min(mine[-1][0], theirs[-1][0])
    late = [[v for x, v in pts if (1 - LATE) * end <= x <= end] for pts in (mine, theirs)]
    if not all(late) or median(late[1]) <= 0:
        return scaling, None
    return scaling, median(late[0]) / median(late[1])


def findings(ranks: Ranks, baseline=None) -> dict:
    """The FINDINGS of one run's ranks; ``baseline``: (header, steps) of a single-process record."""
    rs = ranks.ranks
    fps = [_per_step(r, "batch_fps") for r in rs]
    repeats = [v for v in (_repeat(f) for f in fps) if v is not None]
    bn = [r for r in rs if r.header.get("batchnorm_layers")]
    sizes = [r.header.get("batch_size") for r in bn if r.header.get("batch_size")]
    share, ratio = _timing(rs)
    scaling, loss_ratio = _scaling(rs, baseline)
    return {
        "world_size": ranks.world_size, "ranks_missing": len(ranks.missing),
        "duplicate_batch_frac": _duplicates(fps), "epoch_repeat_frac": max(repeats) if repeats else None,
        "param_divergence": _divergence(rs), "bn_local_batch": min(sizes) if sizes else None,
        "straggler_share": share, "step_time_ratio": ratio,
        "lr_batch_scaling": scaling, "baseline_loss_ratio": loss_ratio,
    }


def details(ranks: Ranks) -> dict:
    rows = []
    for r in ranks.ranks:
        st, dt = _means(r)
        rows.append({"rank": r.header["rank"], "file": r.path, "steps": (r.steps[-1]["step"] + 1) if r.steps else 0,
                     "batch_size": r.header.get("batch_size"), "step_time": st, "data_time": dt})
    return {"ranks": rows, "run_id": ranks.ranks[0].header.get("run_id") if ranks.ranks else None, "missing": ranks.missing}


def measure_run(files, world_size: int | None = None, baseline=None):
    """(probe record's Measurement: rank 0's record, or the lowest rank's; probe distributed's Measurement)."""
    from dldoctor.probes.record import summarize
    from dldoctor.probes.spec import Measurement

    ranks = load(files, world_size)
    base = None
    if baseline is not None:
        header, steps, _, _ = read(baseline)
        if isinstance(header.get("rank"), int):
            raise ValueError(f"{baseline}: the baseline must be a single-process record, this one is rank {header['rank']}'s")
        base = (header, steps)
    first = ranks.ranks[0]
    single = summarize(first.header, first.steps, first.evals)
    single.notes.insert(0, f"the run's curves are rank {first.header['rank']}'s ({Path(first.path).name}); "
                           f"{len(ranks.ranks)} of {ranks.world_size} ranks merged")
    m = Measurement(findings=findings(ranks, base), details=details(ranks), notes=list(ranks.notes))
    if base is None:
        m.notes.append("no single-process baseline given (--baseline FILE): the learning-rate scaling is asked, not measured")
    return single, m
