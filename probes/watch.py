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

The record's format: probes/watch_record.py.

What it costs.  An ordinary step: two clock reads and the loss kept on its device (``detach``, no
host sync); no hook is attached.  A *record step* (every ``every``-th, stretched by the pace below):
the forward pre-hook, the optimizer hook, the ReLU hooks and one gradient hook are attached for that
step only; the per-layer numbers (probes/watch_layers.py: gradient norms, update-to-weight ratios,
dead ReLU units) take a fixed dozen tensor operations whatever the number of layers, and with the
window's losses and the gradient-reset check one host transfer; then memory, learning rates and one
JSON line.

Pace (probes/watch_pace.py).  ``every`` is the finest record interval.  The first 6 record steps are
taken as asked; after that the interval doubles while the watch's cost per record step exceeds
``max_share`` (default 2%) of the training time between two record steps, and halves back towards
``every`` when it is under a quarter of it.  The cost is measured, all of it: the ``w.step`` that
attaches the hooks, the hooks themselves, and the record step's ``w.step``; the early-warning check
is left out (it has its own share, below).  Per-step losses are kept whatever the interval.
``max_share=None``: a fixed interval.

Timing.  Step time = the time between successive ``w.step`` calls, less the watch's own work (its
hooks).  Data time (sampled on record steps) = from the end of one ``w.step`` to the model's next
forward (the forward pre-hook) or to ``w.data_ready()``: the wait for the next batch.  ``w.eval``
restarts the clock, so validation time is not counted as a training step's.  On CUDA the clocks are
host-side: a wait that overlaps queued GPU work is still counted as waiting.

Early warning (probes/watch_warnings.py).  On record steps (at most ``check_share``, default 1%, of
the run's wall time) the running findings (``probes.record.summarize(..., live=True)``: an
unfinished curve has a shape only once it explodes or gives back its gains) are judged by the same
engine and KB as ``dldoctor diagnose --record`` (the compiled KB is loaded once): each ``record``
symptom that turns present (an exploding or rising loss, a plateau at chance, vanishing updates, a
NaN, gradients not reset, ...) and each cause that crosses the report threshold is announced once
on stderr, with the engine's top cause, or raised as ``DoomedRun`` with ``on_warning="raise"``
(``"off"``: no check).  Nothing is judged before step ``warmup`` (default 100: a curve of a few
steps has no shape yet), except that a non-finite value is checked at once.
"""
from __future__ import annotations

import sys
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

from dldoctor.probes.json_value import finite as _finite, plain as _plain
from dldoctor.probes.memory_gauge import MemoryGauge
from dldoctor.probes.record import summarize
from dldoctor.probes.watch_layers import LayerProbe
from dldoctor.probes.watch_pace import Pace
from dldoctor.probes.watch_rank import attach as _attach_rank
from dldoctor.probes.watch_record import VERSION, RecordFile
from dldoctor.probes.watch_signals import FirstBatches, GradCarry

MAX_SHARE = 0.02  # default share of the training time the record steps may take (probes/watch_pace.py)
CHECK_SHARE = 0.01  # default share of the run's wall time for early-warning checks (and heap readings)
GRACE_S = 0.05  # ... beyond a first allowance, so that a short run's start is measured too
_KEPT = frozenset(("step", "losses", "timed_steps", "step_time", "data_time", "recorded", "grad_norm", "nonfinite_grad",
                   "first_last_grad_ratio", "update_ratio", "dead_frac", "memory_mb", "host_mb", "grad_carry", "inputs",
                   "outputs", "nonfinite_layers", "nonfinite_weights"))  # rows kept in memory
_clock = time.perf_counter


class DoomedRun(RuntimeError):
    """Raised by ``w.step`` under ``on_warning="raise"`` when a KB symptom turns present."""

    def __init__(self, message: str, symptom: str, cause: str | None, step: int):
        super().__init__(message)
        self.symptom, self.cause, self.step = symptom, cause, step


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
        self._first = self._carry = self._pre = self._opt_hook = None
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
        self._t_end = self._t_data = None
        self._win_losses, self._win_time, self._win_data, self._win_timed, self._win_waited = [], 0.0, 0.0, 0, 0
        self._overhead, self._check_spent, self._hook_s, self._cost = 0.0, 0.0, 0.0, 0.0
        self._pace = Pace(self.every, self.max_share)
        self._record_next, self._urgent_done, self._stepped, self._after, self._d_after = True, False, False, False, None
        self._early = self._load_warnings() if self.on_warning != "off" else None
        self._rank = _attach_rank(self.model, self._params, self.path, self.header)  # probes/watch_rank.py
        self.path = self._rank.path  # under torch.distributed: this rank's own file
        if self.path is not None:
            self._file = RecordFile(self.path, self.header)  # the header waits for the first batch's size
        self._first = FirstBatches(self.model)
        if self.optimizer is not None and self._params:
            self._carry = GradCarry(self._params[self._layers.weights[-1]])
        self._arm()
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
            self._layers.disarm()
            for h in (self._pre, self._opt_hook):
                if h is not None:
                    h.remove()
            self._pre = self._opt_hook = None
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
        hooks, self._hook_s = self._hook_s, 0.0  # the hooks ran inside the user's step: the watch's time, not the step's
        d = None
        if self._t_end is not None:
            d = t - self._t_end - hooks
            self._win_time += d
            self._win_timed += 1
            if self._t_data is not None:  # the forward pre-hook is attached on record steps only: data time is sampled
                self._win_data += self._t_data - self._t_end
                self._win_waited += 1
        if self._after:  # the step after a record step: its time, for the record step's cost
            self._d_after, self._after = d, False
        if loss is not None:
            if torch.is_tensor(loss):
                if loss.numel() != 1:
                    raise TypeError(f"w.step wants the scalar loss, got a tensor of shape {tuple(loss.shape)}")
                loss = loss.detach() if not loss.dim() else loss.detach().reshape(())
            else:
                loss = float(loss)
            self._win_losses.append(loss)
        k = self._step
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
        self._record_next = self._pace.is_record(self._step)
        if self._record_next or recorded:
            self._arm()
        self._t_data, self._stepped, self._after = None, False, recorded
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
        if self._t_data is None:
            self._t_data = _clock()

    def eval(self, metrics: dict | None = None, **more) -> None:
        """Record validation metrics (e.g. ``{"val_loss": 0.41, "val_acc": 0.88}``) after step ``w.step``."""
        plain = {str(k): _plain(v) for k, v in {**(metrics or {}), **more}.items()}
        if self._win_losses or self._win_timed:  # the steps so far come before their evaluation in the file
            self._emit(self._step - 1, recorded=False)
        row = {"kind": "eval", "step": self._step - 1, "t": round(_clock() - self._t0, 4), "metrics": plain}
        self.evals.append(row)
        self._write(row)
        self._check(self._step - 1)
        self._t_end, self._t_data = _clock(), None

    @property
    def steps(self) -> int:
        return self._step

    def findings(self):
        """The running findings (a ``probes.spec.Measurement``), as ``dldoctor diagnose --record`` would see them."""
        return summarize(self.header, self.rows, self.evals)

    # ------------------------------------------------------------ hooks

    @property
    def _hooks(self) -> list:
        """The hooks attached now (none once the watch is closed)."""
        return [*self._layers.hooks, *(h for h in (self._pre, self._opt_hook) if h is not None)] if self._layers else []

    def _arm(self) -> None:
        """Attach the hooks the next step needs (a record step: all; any other step: none once the first batches are seen)."""
        want = self._record_next
        # the forward pre-hook also runs while the first batches are described, until the batch size is
        # known, and on every step under torch.distributed (each step's batch fingerprint, probes/watch_rank.py)
        every_step = self._first.watching_inputs or self.header.get("batch_size") is None or self._rank.fingerprints
        if (want or every_step) and self._pre is None:
            self._pre = self.model.register_forward_pre_hook(self._on_forward)
        elif not want and not every_step and self._pre is not None:
            self._pre.remove()
            self._pre = None
        if self.optimizer is not None and want and self._opt_hook is None:
            self._opt_hook = self.optimizer.register_step_pre_hook(self._on_optimizer_step)
        elif not want and self._opt_hook is not None:
            self._opt_hook.remove()
            self._opt_hook = None
        if want:
            self._layers.arm()
            if self._carry is not None:
                self._carry.arm()
        else:
            self._layers.disarm()

    def _on_forward(self, module, args) -> None:
        t = _clock()
        if self._t_data is None:
            self._t_data = t
        if self._first.watching_inputs:
            self._first.on_input(args)
        self._rank.on_forward(module, args)
        if self._file is not None:
            self._file.header_ready()
        self._hook_s += _clock() - t

    def _on_optimizer_step(self, optimizer, args, kwargs) -> None:
        t = _clock()
        self._stepped = True
        if self._record_next:
            if self._carry is not None:
                self._carry.at_step()
            self._layers.before_step()  # a copy of the sampled weights before the step
        self._hook_s += _clock() - t

    # ------------------------------------------------------------ measuring and writing

    def _emit(self, k: int, recorded: bool) -> dict:
        row = {"kind": "step", "step": k, "t": round(_clock() - self._t0, 4)}
        losses = self._win_losses
        tensors = [x for x in losses if x.__class__ is not float]
        layer, layout = self._layers.tensors() if recorded else ([], None)
        carry = self._carry.take() if recorded and self._carry is not None else None
        flat = self._to_host(tensors + layer + list(carry or ())) if tensors or layer or carry else []
        on_host = iter(flat)
        row["losses"] = [_finite(x if x.__class__ is float else next(on_host)) for x in losses]
        row["loss"] = row["losses"][-1] if losses else None
        if self._win_timed:
            n = self._win_timed
            row.update(timed_steps=n, step_time=self._win_time / n)
            if self._win_waited:
                row["data_time"] = self._win_data / self._win_waited
        if recorded:
            row["stride"] = self._pace.stride
        self._win_losses, self._win_time, self._win_data, self._win_timed, self._win_waited = [], 0.0, 0.0, 0, 0
        self._d_after = None
        row["overhead_s"] = round(self._overhead, 6)
        row.update(self._first.take())
        if recorded:
            n = len(tensors)
            row.update(self._layers.values(flat[n:n + len(layer)], layout, self.optimizer is not None and not self._stepped))
            self._add_state(row, flat[n + len(layer):] if carry else None)
        row.update(self._rank.fields(recorded))
        self._write(row)
        slim = {k: v for k, v in row.items() if k in _KEPT}  # small: the watch's own memory is measured too
        self.rows.append(slim)
        return slim

    def _to_host(self, tensors: list) -> list:
        """The values of 0-d tensors, in one host transfer."""
        try:
            return torch.stack(tensors).tolist()
        except RuntimeError:  # several devices or shapes: one by one onto the model's device
            return torch.stack([t.reshape(()).to(self._device, torch.float32) for t in tensors]).tolist()

    def _add_state(self, row: dict, carry) -> None:
        """Memory, learning rates and the gradient-reset check of a record step."""
        row["memory_mb"] = self._gauge.read(_clock() - self._t0)
        if self._host is not None:  # on CUDA the host heap too: a retained graph's nodes live there
            row["host_mb"] = self._host.read(_clock() - self._t0)
        if self.optimizer is not None:
            row["lr"] = [_plain(g.get("lr")) for g in self.optimizer.param_groups]
        if carry:
            row["grad_carry"] = _finite(GradCarry.ratio(*carry))

    def _write(self, obj: dict) -> None:
        if self._file is not None:
            self._file.write(obj)

    # ------------------------------------------------------------ early warning

    def _load_warnings(self):
        from dldoctor.expert.problems import KBError
        from dldoctor.probes.watch_warnings import EarlyWarning

        try:
            return EarlyWarning(self._kb)
        except (KBError, ValueError, OSError, ImportError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"dldoctor watch: early warnings are off (the knowledge base did not load: {first})", file=self._stream or sys.stderr)
            return None

    def _check(self, k: int, urgent: bool = False) -> float:
        """Judge the record so far when the check's share allows; the seconds it took."""
        if self._early is None or self._early.done:
            return 0.0
        t = _clock()
        if not urgent and (k < self.warmup or self._check_spent > self.check_share * (t - self._t0)):
            return 0.0
        found = self._early.check(k, summarize(self.header, self.rows, self.evals, live=True))
        spent = _clock() - t
        self._check_spent += spent
        for w in found:
            self.warnings.append(w.message)
            if self.on_warning == "raise":
                raise DoomedRun(w.message, w.symptom, w.cause, k)
            print(w.message, file=self._stream or sys.stderr)
        return spent


class _CallableModule(types.ModuleType):
    """``from probes import watch`` may give this module (see probes/__init__.py): calling it calls ``watch``."""

    def __call__(self, model, optimizer=None, record=None, every: int = 10, **options) -> Watch:
        return watch(model, optimizer, record=record, every=every, **options)


sys.modules[__name__].__class__ = _CallableModule
