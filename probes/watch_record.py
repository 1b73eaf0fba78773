"""The watch's record file: JSON lines, version 1.  Non-finite numbers are written as ``null``.

  line 1  {"kind": "header", "version": 1, "model", "params", "trainable", "every", "layers": [names
          of trainable parameters], "layer_sizes", "relu_layers", "device", "memory": "cuda"|"heap"|"rss",
          "optimizer", "started", "torch", "classes" (the ``classes=`` given, or null), "batch_size": the
          first training batch's leading dimension}
          (under torch.distributed also rank, world_size, backend, run_id, ... and each row's batch_fps /
          params_fp fingerprints: see probes/watch_rank.py; each rank writes its own run.rank{R}.jsonl)
  step    one per record step, and one for the steps still pending before an eval and at the end:
          {"kind": "step", "step": k (0-based index of the last step of the window), "t": seconds since
          start, "losses": [the window's per-step losses], "loss", "timed_steps", "step_time" (mean over
          the timed steps of the window, seconds, less the watch's own work), "data_time" (mean over the
          steps whose data wait was sampled), "overhead_s" (the watch's own seconds so far: its
          ``w.step`` calls and its hooks)}
          and on record steps also "recorded": true, "stride" (the record interval it was taken at),
          "grad_norm" (total), "grad_norms": [per layer],
          "nonfinite_grad", "skipped_step" (non-finite gradients whose optimizer step was skipped,
          as torch.amp.GradScaler does), "first_last_grad_ratio", "update_ratio" (median over weight layers),
          "update_ratios": [per layer], "dead_frac" (largest over ReLU layers), "dead_fracs",
          "memory_mb" (header "memory" says which), "host_mb" (CUDA runs: the host heap), "lr": [per
          param group],
          "grad_carry": |.grad| of the last weight layer at optimizer.step / the sum of the gradient
          norms backward brought it since the previous step (<= 1 when .grad is reset, > 1 when
          zero_grad is missing; probes/watch_signals.py),
          "nonfinite_layers": [layers whose gradient is NaN/Inf] and "nonfinite_weights": [layers whose
          sampled weights are] (only when some are).
          The first 3 batches also give "inputs": [{"dtype", "shape", "mean", "std", "min", "max"} of the
          model's first input tensor] and "outputs": [{"width", "min", "max", "rowsum_dev": largest
          |row sum - 1|} of 2-D outputs], in the row after they were seen.  The first record step is
          step 0: its gradients, dead units and update are measured before any update (the state at
          initialisation).
  eval    {"kind": "eval", "step", "t", "metrics": {name: value}}
  end     {"kind": "end", "steps", "seconds", "error": null or "Type: message"}
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from dldoctor.probes.json_value import clean as _clean, finite as _finite, plain as _plain
from dldoctor.probes.watch_signals import GradCarry

VERSION = 1
FLUSH_S = 1.0  # the file is flushed at most this often (and on close)


class RecordFile:
    """One record file.  The header waits for the first batch (it carries the batch size): it is
    written before the first other line, or by ``header_ready`` once its batch size is known.  Lines
    are encoded and written together, at most every ``FLUSH_S`` seconds and on ``close``: one warm
    pass of the JSON encoder for many rows costs less than a cold one per record step."""

    def __init__(self, path: Path, header: dict):
        self.header, self._file, self._due, self._pending = header, open(path, "w", encoding="utf-8"), True, []
        self._last_flush = time.perf_counter()

    def header_ready(self) -> None:
        if self._due and self.header.get("batch_size") is not None:
            self.write(self.header)

    def write(self, obj: dict) -> None:
        if self._due:
            self._due = False
            if obj is not self.header:
                self.write(self.header)
        self._pending.append(obj)
        now = time.perf_counter()
        if now - self._last_flush > FLUSH_S:
            self.flush()
            self._last_flush = now

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        self._file.write("".join(_line(obj) for obj in pending))
        self._file.flush()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._file.close()


def _line(obj: dict) -> str:
    try:
        return json.dumps(obj, allow_nan=False, default=_plain) + "\n"
    except ValueError:  # a non-finite number slipped through: null it rather than stop the run
        return json.dumps(_clean(obj), allow_nan=False, default=_plain) + "\n"


class Rows:
    """The step rows: a window's losses and times and, on a record step, the per-layer numbers
    (probes/watch_layers.py), memory, learning rates and the gradient-reset check: every tensor of
    the row reaches the host in one transfer."""

    def __init__(self, t0: float, layers, carry, gauges: tuple, optimizer, first, rank, pace):
        self.t0, self.layers, self.carry, self.optimizer, self.first, self.rank, self.pace = t0, layers, carry, optimizer, first, rank, pace
        self.gauge, self.host = gauges

    def step(self, k: int, recorded: bool, losses: list, timing: dict, overhead: float, skipped: bool) -> dict:
        row = {"kind": "step", "step": k, "t": round(time.perf_counter() - self.t0, 4)}
        tensors = [x for x in losses if x.__class__ is not float]
        layer, layout = self.layers.tensors() if recorded else ([], None)
        carry = self.carry.take() if recorded and self.carry is not None else None
        flat = self._to_host(tensors + layer + list(carry or ())) if tensors or layer or carry else []
        on_host = iter(flat)
        row["losses"] = [_finite(x if x.__class__ is float else next(on_host)) for x in losses]
        row["loss"] = row["losses"][-1] if losses else None
        row.update(timing)
        if recorded:
            row["stride"] = self.pace.stride
        row["overhead_s"] = round(overhead, 6)
        row.update(self.first.take())
        if recorded:
            n = len(tensors)
            row.update(self.layers.values(flat[n:n + len(layer)], layout, skipped))
            self._state(row, flat[n + len(layer):] if carry else None)
        row.update(self.rank.fields(recorded))
        return row

    def _to_host(self, tensors: list) -> list:
        """The values of 0-d tensors, in one host transfer."""
        try:
            return torch.stack(tensors).tolist()
        except RuntimeError:  # several devices or shapes: one by one onto the model's device
            return torch.stack([t.reshape(()).to(self.layers.device, torch.float32) for t in tensors]).tolist()

    def _state(self, row: dict, carry) -> None:
        """Memory, learning rates and the gradient-reset check of a record step."""
        row["memory_mb"] = self.gauge.read(time.perf_counter() - self.t0)
        if self.host is not None:  # on CUDA the host heap too: a retained graph's nodes live there
            row["host_mb"] = self.host.read(time.perf_counter() - self.t0)
        if self.optimizer is not None:
            row["lr"] = [_plain(g.get("lr")) for g in self.optimizer.param_groups]
        if carry:
            row["grad_carry"] = _finite(GradCarry.ratio(*carry))
