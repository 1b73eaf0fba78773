"""Watch mode: dldoctor inside the user's own training loop, cheaply, then a diagnosis from what it saw.

    from dldoctor.probes import watch

    with watch(model, optimizer, record="run.jsonl", every=10) as w:
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            w.step(loss)                      # once per step, after optimizer.step()
        w.eval({"val_loss": val_loss})        # optionally, after each validation

    dldoctor diagnose --record run.jsonl      # the same engine and KB judge the record
    dldoctor watch-report run.jsonl           # the curves, plotted

The parts: the record's format and writer (probes/watch_record.py), the per-layer numbers
(probes/watch_layers.py), the first batches and the gradient-reset check (probes/watch_signals.py),
the record interval (probes/watch_pace.py), the early warnings (probes/watch_warnings.py), the
distributed fields (probes/watch_rank.py).

What it costs.  An ordinary step: two clock reads and the loss kept on its device (``detach``, no
host sync); no hook is attached.  A record step (every ``every``-th, stretched by the pace): the
forward pre-hook, the optimizer hook, the ReLU hooks and one gradient hook are attached for that
step only; its numbers take a fixed dozen tensor operations and one host transfer, then one JSON line.

Shares.  The record steps take at most ``max_share`` (default 1%) of the training time: the pace
doubles the record interval while their measured cost (the ``w.step`` that attaches the hooks, the
hooks, the record step's ``w.step``, and how much longer the record step and the step after it took
than the window's other steps) exceeds it; ``max_share=None``: a fixed interval.  The early-warning
checks take at most ``check_share`` (default 0.5%) of the wall time, from step ``warmup`` (default
100), a non-finite value at once; ``on_warning``: "print" (stderr), "raise" (``DoomedRun``), "off".
Starting a watch reads no KB: the first check that is due loads it (probes/watch_warnings.py).

Timing.  Step time = the time between successive ``w.step`` calls, less the watch's own work (its
hooks).  Data time (sampled on record steps) = from the end of one ``w.step`` to the model's next
forward (the forward pre-hook) or to ``w.data_ready()``: the wait for the next batch.  ``w.eval``
restarts the clock, so validation time is not counted as a training step's.  On CUDA the clocks are
host-side: a wait that overlaps queued GPU work is still counted as waiting.
"""
from __future__ import annotations

import sys
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

from dldoctor.probes.json_value import plain as _plain
from dldoctor.probes.memory_gauge import MemoryGauge
from dldoctor.probes.record import summarize
from dldoctor.probes.watch_hooks import Hooks
from dldoctor.probes.watch_layers import LayerProbe
from dldoctor.probes.watch_pace import Pace
from dldoctor.probes.watch_rank import attach as _attach_rank
from dldoctor.probes.watch_record import VERSION, RecordFile, Rows
from dldoctor.probes.watch_signals import FirstBatches, GradCarry
from dldoctor.probes.watch_warnings import Checks, DoomedRun

__all__ = ["watch", "Watch", "DoomedRun"]

# default share of the training time the record steps may take, all their costs (probes/watch_pace.py).  Not lower: at
# 0.5 % a 300-step run of a sub-ms step keeps only its first 6 record steps, and the fault set's missing zero_grad
# (told from a rate by the gradient carry of later record steps) was then named at 3 of 5 seeds instead of 5 of 5
MAX_SHARE = 0.01
CHECK_SHARE = 0.005  # default share of the run's wall time for early-warning checks (and heap readings)
GRACE_S = 0.05  # ... beyond a first allowance, so that a short run's start is measured too
_KEPT = frozenset(("step", "losses", "timed_steps", "step_time", "data_time", "recorded", "grad_norm", "nonfinite_grad",
                   "first_last_grad_ratio", "update_ratio", "dead_frac", "memory_mb", "host_mb", "grad_carry", "inputs",
                   "outputs", "nonfinite_layers", "nonfinite_weights"))  # rows kept in memory
_clock = time.perf_counter


def watch(model, optimizer=None, record=None, every: int = 10, **options) -> "Watch":
    """A ``Watch`` to use as a context manager around the training loop (see the module docstring)."""
    return Watch(model, optimizer, record=record, every=every, **options)


class Watch:
    def __init__(self, model: nn.Module, optimizer=None, *, record=None, every: int = 10,
                 on_warning: str = "print", warmup: int = 100, check_share: float = CHECK_SHARE, kb=None, stream=None,
                 classes: int | None = None, max_share: float | None = MAX_SHARE):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        if on_warning not in ("print", "raise", "off"):
            raise ValueError(f"on_warning must be 'print', 'raise' or 'off', got {on_warning!r}")
        self.model, self.optimizer, self.every = model, optimizer, every
        self.path = Path(record) if record is not None else None
        self.on_warning, self.warmup, self.check_share, self._kb, self._stream = on_warning, warmup, check_share, kb, stream
        self.classes, self.max_share = classes, max_share
        self.header: dict = {}
        self.rows: list[dict] = []  # step rows without the per-layer lists: what summarize reads
        self.evals: list[dict] = []
        self.warnings: list[str] = []
        self._file = self._gauge = self._host = self._layers = None
        self._first = self._carry = self._hk = None
        self._rank = None
        self._started = self._closed = False

    # ------------------------------------------------------------ life cycle

    def __enter__(self) -> "Watch":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.close(exc)
        return False

    def start(self) -> "Watch":
        if self._started:
            raise RuntimeError("this watch has already been started")
        self._started = True
        named = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        self._names, self._params = [n for n, _ in named], [p for _, p in named]
        self._layers = LayerProbe(self.model, self._params, self._names)
        self._device = self._layers.device
        self._gauge = MemoryGauge(self._device, CHECK_SHARE, GRACE_S)
        self._host = MemoryGauge(torch.device("cpu"), CHECK_SHARE, GRACE_S) if self._device.type == "cuda" else None
        self.header = {
            "kind": "header", "version": VERSION, "model": type(self.model).__name__,
            "params": sum(p.numel() for p in self.model.parameters()), "trainable": sum(p.numel() for p in self._params),
            "every": self.every, "layers": self._names, "layer_sizes": [p.numel() for p in self._params],
            "relu_layers": [n for n, _ in self._layers.relus], "device": str(self._device), "memory": self._gauge.kind,
            "optimizer": type(self.optimizer).__name__ if self.optimizer is not None else None,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "torch": torch.__version__,
            "classes": self.classes,
        }
        self._step, self._t0 = 0, _clock()
        self._t_end = None
        self._win_losses, self._win_time, self._win_data, self._win_timed, self._win_waited = [], 0.0, 0.0, 0, 0
        self._overhead, self._cost = 0.0, 0.0
        self._pace = Pace(self.every, self.max_share)
        self._record_next, self._urgent_done, self._after, self._d_after = True, False, False, None
        self._checks = Checks(self.on_warning, self.warmup, self.check_share, self._kb, self._stream, self.warnings)
        self._rank = _attach_rank(self.model, self._params, self.path, self.header)  # probes/watch_rank.py
        self.path, self._fingerprints = self._rank.path, self._rank.fingerprints  # under torch.distributed: this rank's own file
        if self.path is not None:
            self._file = RecordFile(self.path, self.header)  # the header waits for the first batch's size
        self._first = FirstBatches(self.model)
        if self.optimizer is not None and self._params:
            self._carry = GradCarry(self._params[self._layers.weights[-1]])
        self._rows = Rows(self._t0, self._layers, self._carry, (self._gauge, self._host), self.optimizer, self._first,
                          self._rank, self._pace)
        self._hk = Hooks(self.model, self.optimizer, self._layers, self._carry, self._first, self._rank, self._file)
        self._hk.arm(True)
        return self

    def close(self, exc: BaseException | None = None) -> None:
        """Write what is pending and the end line; remove every hook (also when writing fails)."""
        if self._closed or not self._started:
            return
        self._closed = True
        lost = ""
        try:
            try:
                if self._win_losses or self._win_timed:
                    self._emit(self._step - 1, recorded=False)
            except RuntimeError as err:  # e.g. the CUDA error that also ended the loop: keep the user's error
                if exc is None:
                    raise
                lost = f" (the last steps were lost: {type(err).__name__})"
        finally:
            if self._hk is not None:
                self._hk.close()
            for part in (self._first, self._carry, self._gauge, self._host):
                if part is not None:
                    part.close()
            if self._file is not None:
                try:
                    err = f"{type(exc).__name__}: {exc}".strip() + lost if exc is not None else None
                    self._file.write({"kind": "end", "steps": self._step, "seconds": round(_clock() - self._t0, 3), "error": err})
                finally:
                    self._file.close()

    # ------------------------------------------------------------ what the user calls

    def step(self, loss=None) -> None:
        """Mark the end of one training step (after ``optimizer.step()``), with its loss."""
        t = _clock()
        hk = self._hk
        hooks, hk.spent = hk.spent, 0.0  # the hooks ran inside the user's step: the watch's time, not the step's
        d = None
        if self._t_end is not None:
            d = t - self._t_end - hooks
            self._win_time += d
            self._win_timed += 1
            if hk.t_data is not None:  # the forward pre-hook is attached on record steps only: data time is sampled
                self._win_data += hk.t_data - self._t_end
                self._win_waited += 1
        if self._after:  # the step after a record step: its time, for the record step's cost
            self._d_after, self._after = d, False
        if loss is not None:
            if torch.is_tensor(loss):
                if not loss.dim():
                    loss = loss.detach()
                elif loss.numel() == 1:
                    loss = loss.detach().reshape(())
                else:
                    raise TypeError(f"w.step wants the scalar loss, got a tensor of shape {tuple(loss.shape)}")
            else:
                loss = float(loss)
            self._win_losses.append(loss)
        k = self._step
        if self._fingerprints:  # under torch.distributed: this step's batch fingerprint
            self._rank.end_step()
        recorded, checked, excess = self._record_next, 0.0, 0.0
        if recorded:
            extra, self._layers.spent = self._layers.spent, 0.0  # its ReLU hooks, and the gradient hook
            if self._carry is not None:
                extra, self._carry.spent = extra + self._carry.spent, 0.0
            self._win_time -= extra
            hooks += extra
            step_time = self._win_time / self._win_timed if self._win_timed else None
            excess = self._excess(d - extra if d is not None else None)
            row = self._emit(k, recorded=True)
            bad = bool(row.get("nonfinite_grad")) or None in row["losses"]
            checked = self._check(k, urgent=bad and not self._urgent_done)
            self._urgent_done = self._urgent_done or bad
        self._step = k + 1
        self._record_next = (k + 1) % self._pace.stride == 0  # Pace.is_record, inlined: this runs every step
        if self._record_next or recorded:
            hk.arm(self._record_next)
        hk.t_data, hk.stepped, self._after = None, False, recorded
        self._t_end = _clock()
        spent = self._t_end - t
        self._overhead += spent + hooks
        if recorded:  # its cost: arming it, its hooks, this call (less the check: its own share), the steps it slowed
            self._pace.recorded(self._cost + hooks + spent - checked + excess, step_time)
            self._cost = 0.0
        elif self._record_next:
            self._cost += spent

    def _excess(self, d_rec: float | None) -> float:
        """How much longer the record step and the step after it took than the window's other steps:
        the time the watch cost the user's own code (its hooks' dispatch, caches it evicted)."""
        parts = [x for x in (d_rec, self._d_after) if x is not None]
        others = self._win_timed - len(parts)
        if not parts or others < 2:
            return 0.0
        mean = (self._win_time - sum(parts)) / others
        return max(0.0, sum(parts) - len(parts) * mean)

    def data_ready(self) -> None:
        """Mark the arrival of the step's batch (for loops whose forward is not the watched model's)."""
        if self._hk.t_data is None:
            self._hk.t_data = _clock()

    def eval(self, metrics: dict | None = None, **more) -> None:
        """Record validation metrics (e.g. ``{"val_loss": 0.41, "val_acc": 0.88}``) after step ``w.step``."""
        plain = {str(k): _plain(v) for k, v in {**(metrics or {}), **more}.items()}
        if self._win_losses or self._win_timed:  # the steps so far come before their evaluation in the file
            self._emit(self._step - 1, recorded=False)
        row = {"kind": "eval", "step": self._step - 1, "t": round(_clock() - self._t0, 4), "metrics": plain}
        self.evals.append(row)
        self._write(row)
        self._check(self._step - 1)
        self._t_end, self._hk.t_data = _clock(), None

    @property
    def steps(self) -> int:
        return self._step

    def findings(self):
        """The running findings (a ``probes.spec.Measurement``), as ``dldoctor diagnose --record`` would see them."""
        return summarize(self.header, self.rows, self.evals)

    @property
    def _hooks(self) -> list:
        """The hooks attached now (none once the watch is closed)."""
        return self._hk.handles if self._hk is not None else []

    # ------------------------------------------------------------ measuring and writing

    def _emit(self, k: int, recorded: bool) -> dict:
        n = self._win_timed
        timing = {"timed_steps": n, "step_time": self._win_time / n} if n else {}
        if n and self._win_waited:
            timing["data_time"] = self._win_data / self._win_waited
        skipped = self.optimizer is not None and not self._hk.stepped
        row = self._rows.step(k, recorded, self._win_losses, timing, self._overhead, skipped)
        self._win_losses, self._win_time, self._win_data, self._win_timed, self._win_waited = [], 0.0, 0.0, 0, 0
        self._d_after = None
        self._write(row)
        slim = {k: v for k, v in row.items() if k in _KEPT}  # small: the watch's own memory is measured too
        self.rows.append(slim)
        return slim

    def _write(self, obj: dict) -> None:
        if self._file is not None:
            self._file.write(obj)

    def _check(self, k: int, urgent: bool = False) -> float:
        """The early-warning check (probes/watch_warnings.py) of the record so far; the seconds it took."""
        return self._checks.run(k, _clock() - self._t0, lambda: summarize(self.header, self.rows, self.evals, live=True), urgent)


class _CallableModule(types.ModuleType):
    """``from probes import watch`` may give this module (see probes/__init__.py): calling it calls ``watch``."""

    def __call__(self, model, optimizer=None, record=None, every: int = 10, **options) -> Watch:
        return watch(model, optimizer, record=record, every=every, **options)


sys.modules[__name__].__class__ = _CallableModule
