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

What it costs.  Every step: two clock reads and the loss kept on its device (``detach``, no host
sync); no hook runs on an ordinary step.  On a *record step* (every ``every``-th, stretched by the
pace below): per-layer gradient norms (one ``torch._foreach_norm``), update-to-weight ratios (up to
4096 weights per layer are copied just before that step's ``optimizer.step``), dead ReLU units, the
gradient-reset check, memory, learning rates, one host sync for all of it, one JSON line; the
forward pre-hook, the optimizer hook and the ReLU hooks are attached for that step only.

Pace (probes/watch_pace.py).  ``every`` is the finest record interval.  The first 6 record steps are
taken as asked; after that the interval doubles while the watch's own time per record step
(measured: its ``w.step`` call and its hooks) exceeds ``max_share`` (default 2%) of the training
time between two record steps, and halves back towards ``every`` when it is under a quarter of it.
On a 16 ms step nothing is stretched; on a sub-millisecond step every=1 becomes about every=64.
Per-step losses are kept at every step whatever the interval.  ``max_share=None``: a fixed interval.

Timing.  Step time = the time between successive ``w.step`` calls, less the watch's own work.  Data
time (sampled on record steps) = from the end of one ``w.step`` to the model's next forward (the
forward pre-hook) or to ``w.data_ready()``: the wait for the next batch.  ``w.eval`` restarts the
clock, so validation time is not counted as a training step's.  On CUDA the clocks are host-side: a
wait that overlaps queued GPU work is still counted as waiting.

Early warning (probes/watch_warnings.py).  On record steps (at most ``check_share``, default 1%, of
the run's wall time) the running findings (``probes.record.summarize(..., live=True)``: an
unfinished curve has a shape only once it explodes or gives back its gains) are judged by the same
engine and KB as ``dldoctor diagnose --record`` (the compiled KB is loaded once): each ``record``
symptom that turns present (an exploding or rising loss, a plateau at chance, vanishing updates, a
NaN, gradients not reset, ...) and each cause that crosses the report threshold is announced once
on stderr, with the engine's top cause, or raised as ``DoomedRun`` with ``on_warning="raise"``
(``"off"``: no check).  Nothing is judged before step ``warmup`` (default 100: a curve of a few
steps has no shape yet), except that a non-finite value is checked at once.

The record (JSON lines, version 1).  Non-finite numbers are written as ``null``.
  line 1  {"kind": "header", "version": 1, "model", "params", "trainable", "every", "layers": [names
          of trainable parameters], "layer_sizes", "relu_layers", "device", "memory": "cuda"|"heap"|"rss",
          "optimizer", "started", "torch", "classes" (the ``classes=`` given, or null), "batch_size": the
          first training batch's leading dimension}
          (under torch.distributed also rank, world_size, backend, run_id, ... and each row's batch_fps /
          params_fp fingerprints: see probes/watch_rank.py; each rank writes its own run.rank{R}.jsonl)
  step    one per record step, and one for the steps still pending before an eval and at the end:
          {"kind": "step", "step": k (0-based index of the last step of the window), "t": seconds since
          start, "losses": [the window's per-step losses], "loss", "timed_steps", "step_time" (mean over
          the timed steps of the window, seconds), "data_time" (mean over the steps whose data wait was
          sampled), "overhead_s"}
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
import math
import sys
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

from dldoctor.probes.json_value import clean as _clean, finite as _finite, plain as _plain
from dldoctor.probes.layer_sample import norms as _norms, sample as _sample, segments as _segments
from dldoctor.probes.memory_gauge import MemoryGauge
from dldoctor.probes.record import summarize
from dldoctor.probes.watch_pace import Pace
from dldoctor.probes.watch_signals import FirstBatches, GradCarry
from dldoctor.probes.watch_rank import attach as _attach_rank

VERSION = 1
FLUSH_S = 1.0  # the record file is flushed at most this often (and on exit)
MAX_SHARE = 0.02  # default share of the training time the record steps may take (probes/watch_pace.py)
CHECK_SHARE = 0.01  # default share of the run's wall time for early-warning checks (and heap readings)
GRACE_S = 0.05  # ... beyond a first allowance, so that a short run's start is measured too
ACTIVATIONS = (nn.ReLU, nn.ReLU6)
_KEPT = frozenset(("step", "losses", "timed_steps", "step_time", "data_time", "recorded", "grad_norm", "nonfinite_grad",
                   "first_last_grad_ratio", "update_ratio", "dead_frac", "memory_mb", "host_mb", "grad_carry", "inputs",
                   "outputs", "nonfinite_layers", "nonfinite_weights"))  # rows kept in memory


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
        self._hooks, self._relu_hooks, self._file, self._gauge, self._host = [], [], None, None, None
        self._first = self._carry = self._pre = self._opt_hook = None
        self._rank, self._header_due = None, False
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
        weights = [i for i, p in enumerate(self._params) if p.dim() >= 2]
        self._weights = weights or list(range(len(self._params)))  # the update ratio's median is over weights
        self._first_last = (weights[0], weights[-1]) if len(weights) >= 2 else None
        self._samples = [_sample(p) for p in self._params]
        self._segments = _segments(self._samples)  # sample element -> its layer (None: several devices)
        self._sizes = [t.numel() for t in self._samples]
        self._relus = [(n, m) for n, m in self.model.named_modules() if isinstance(m, ACTIVATIONS)]
        self._device = self._params[0].device if self._params else torch.device("cpu")
        self._gauge = MemoryGauge(self._device, CHECK_SHARE, GRACE_S)
        self._host = MemoryGauge(torch.device("cpu"), CHECK_SHARE, GRACE_S) if self._device.type == "cuda" else None
        self.header = {
            "kind": "header", "version": VERSION, "model": type(self.model).__name__,
            "params": sum(p.numel() for p in self.model.parameters()), "trainable": sum(p.numel() for p in self._params),
            "every": self.every, "layers": self._names, "layer_sizes": [p.numel() for p in self._params],
            "relu_layers": [n for n, _ in self._relus], "device": str(self._device), "memory": self._gauge.kind,
            "optimizer": type(self.optimizer).__name__ if self.optimizer is not None else None,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "torch": torch.__version__,
            "classes": self.classes,
        }
        self._step, self._t0 = 0, time.perf_counter()
        self._t_end = self._t_data = None
        self._win_losses, self._win_time, self._win_data, self._win_timed, self._win_waited = [], 0.0, 0.0, 0, 0
        self._overhead, self._last_flush, self._check_spent, self._hook_s = 0.0, self._t0, 0.0, 0.0
        self._pace = Pace(self.every, self.max_share)
        self._snapshot, self._dead, self._record_next = None, {}, True
        self._urgent_done = self._stepped = False
        self._early = self._load_warnings() if self.on_warning != "off" else None
        self._rank = _attach_rank(self.model, self._params, self.path, self.header)  # probes/watch_rank.py
        self.path = self._rank.path  # under torch.distributed: this rank's own file
        if self.path is not None:
            self._file = open(self.path, "w", encoding="utf-8")
            self._header_due = True  # written with the first line, once the first batch gave its size
        self._first = FirstBatches(self.model)
        if self.optimizer is not None and self._params:
            self._carry = GradCarry(self._params[self._weights[-1]])
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
            for h in self._hooks + self._relu_hooks + [h for h in (self._pre, self._opt_hook) if h is not None]:
                h.remove()
            self._hooks, self._relu_hooks, self._snapshot, self._pre, self._opt_hook = [], [], None, None, None
            for part in (self._first, self._carry):
                if part is not None:
                    part.close()
            for gauge in (self._gauge, self._host):
                if gauge is not None:
                    gauge.close()
            if self._file is not None:
                try:
                    err = f"{type(exc).__name__}: {exc}".strip() + lost if exc is not None else None
                    self._write({"kind": "end", "steps": self._step, "seconds": round(time.perf_counter() - self._t0, 3), "error": err})
                finally:
                    self._file.close()

    # ------------------------------------------------------------ what the user calls

    def step(self, loss=None) -> None:
        """Mark the end of one training step (after ``optimizer.step()``), with its loss."""
        t = time.perf_counter()
        if self._t_end is not None:
            self._win_time += t - self._t_end
            self._win_timed += 1
            if self._t_data is not None:  # the forward pre-hook is attached on record steps only: data time is sampled
                self._win_data += self._t_data - self._t_end
                self._win_waited += 1
        if loss is not None:
            if torch.is_tensor(loss):
                if loss.numel() != 1:
                    raise TypeError(f"w.step wants the scalar loss, got a tensor of shape {tuple(loss.shape)}")
                loss = loss.detach()
            else:
                loss = float(loss)
            self._win_losses.append(loss)
        k = self._step
        self._rank.end_step()
        recorded = self._record_next
        if recorded:
            step_time = self._win_time / self._win_timed if self._win_timed else None
            row = self._emit(k, recorded=True)
            bad = bool(row.get("nonfinite_grad")) or None in row["losses"]
            self._check(k, urgent=bad and not self._urgent_done)
            self._urgent_done = self._urgent_done or bad
        self._step = k + 1
        self._record_next = self._pace.is_record(self._step)
        if self._record_next or recorded:
            self._arm()
        self._t_data, self._stepped = None, False
        self._t_end = time.perf_counter()
        self._overhead += self._t_end - t
        if recorded:  # the watch's cost of this record step: this call and its hooks in the user's step
            self._pace.recorded(self._t_end - t + self._hook_s, step_time)
            self._hook_s = 0.0

    def data_ready(self) -> None:
        """Mark the arrival of the step's batch (for loops whose forward is not the watched model's)."""
        if self._t_data is None:
            self._t_data = time.perf_counter()

    def eval(self, metrics: dict | None = None, **more) -> None:
        """Record validation metrics (e.g. ``{"val_loss": 0.41, "val_acc": 0.88}``) after step ``w.step``."""
        plain = {str(k): _plain(v) for k, v in {**(metrics or {}), **more}.items()}
        if self._win_losses or self._win_timed:  # the steps so far come before their evaluation in the file
            self._emit(self._step - 1, recorded=False)
        row = {"kind": "eval", "step": self._step - 1, "t": round(time.perf_counter() - self._t0, 4), "metrics": plain}
        self.evals.append(row)
        self._write(row)
        self._check(self._step - 1)
        self._t_end, self._t_data = time.perf_counter(), None

    @property
    def steps(self) -> int:
        return self._step

    def findings(self):
        """The running findings (a ``probes.spec.Measurement``), as ``dldoctor diagnose --record`` would see them."""
        return summarize(self.header, self.rows, self.evals)

    # ------------------------------------------------------------ hooks

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
        if want and not self._relu_hooks:
            self._attach_relus()
        if want and self._carry is not None:
            self._carry.arm()

    def _on_forward(self, module, args) -> None:
        if self._t_data is None:
            self._t_data = time.perf_counter()
        if self._first.watching_inputs:
            self._first.on_input(args)
        self._rank.on_forward(module, args)
        if self._header_due and self.header["batch_size"] is not None:
            self._write(self.header)

    def _on_optimizer_step(self, optimizer, args, kwargs) -> None:
        self._stepped = True
        t = time.perf_counter()
        if self._record_next and self._carry is not None:
            self._carry.at_step()
        if self._record_next and self._snapshot is None and self._segments is not None:
            self._snapshot = self._sampled()  # a copy of the sampled weights before the step
        self._hook_s += time.perf_counter() - t

    def _attach_relus(self) -> None:
        self._relu_hooks = [m.register_forward_hook(self._relu_hook(i)) for i, (_, m) in enumerate(self._relus)]

    def _relu_hook(self, i: int):
        def hook(module, inputs, output):
            if torch.is_tensor(output) and output.dim() >= 2 and output.numel():
                x = output.detach()
                dims = (0, *range(2, x.dim()))  # a unit is a feature (Linear) or a channel (Conv)
                self._dead[i] = (x.amax(dim=dims) <= 0).float().mean()
        return hook

    # ------------------------------------------------------------ measuring and writing

    def _emit(self, k: int, recorded: bool) -> dict:
        row = {"kind": "step", "step": k, "t": round(time.perf_counter() - self._t0, 4)}
        tensors, n_loss = self._loss_tensors()
        layer = self._layer_tensors() if recorded else None
        flat = torch.cat([t.float().to(self._device) for t in (tensors, layer and layer[0]) if t is not None]).tolist() if (
            tensors is not None or layer) else []
        losses = [x if isinstance(x, float) else flat[x] for x in n_loss]
        row["losses"] = [_finite(v) for v in losses]
        row["loss"] = row["losses"][-1] if losses else None
        if self._win_timed:
            n = self._win_timed
            row.update(timed_steps=n, step_time=self._win_time / n)
            if self._win_waited:
                row["data_time"] = self._win_data / self._win_waited
        if recorded:
            row["stride"] = self._pace.stride
        self._win_losses, self._win_time, self._win_data, self._win_timed, self._win_waited = [], 0.0, 0.0, 0, 0
        row["overhead_s"] = round(self._overhead, 6)
        row.update(self._first.take())
        if recorded:
            row.update(self._layer_values(flat[len(flat) - layer[0].shape[0]:] if layer else [], layer))
        row.update(self._rank.fields(recorded))
        self._write(row)
        slim = {k: v for k, v in row.items() if k in _KEPT}  # small: the watch's own memory is measured too
        self.rows.append(slim)
        return slim

    def _loss_tensors(self):
        """(one stacked tensor of the window's tensor losses or None, per loss: a float or its index in it)."""
        ts = [x for x in self._win_losses if not isinstance(x, float)]
        order, j = [], 0
        for x in self._win_losses:
            if isinstance(x, float):
                order.append(x)
            else:
                order.append(j)
                j += 1
        if not ts:
            return None, order
        try:
            return torch.stack(ts).to(self._device).reshape(-1), order
        except RuntimeError:  # losses of other shapes or devices: one by one
            return torch.stack([t.reshape(()).to(self._device, torch.float32) for t in ts]), order

    def _layer_tensors(self):
        """(one flat tensor of every per-layer number, its layout) for a record step, without a host sync."""
        idx = [i for i, p in enumerate(self._params) if p.grad is not None and not p.grad.is_sparse]
        parts, layout = [], {"grad": idx, "update": [], "dead": sorted(self._dead)}
        if idx:
            parts += _norms([self._params[i].grad for i in idx])
        parts = [torch.stack(parts)] if parts else []
        if self._snapshot is not None:  # squared norms of weights and updates per layer: a fixed number of ops
            before = self._snapshot
            squares = torch.stack([before * before, (self._sampled() - before).square()])
            if squares.is_cuda:  # one kernel
                sums = torch.zeros(2, len(self._params), device=before.device).index_add_(1, self._segments, squares)
            else:  # on CPU a sum per layer beats a scatter
                sums = torch.stack([c.sum(1) for c in squares.split(self._sizes, 1)], 1)
            parts.append(sums.reshape(-1))
            layout["update"] = list(range(len(self._params)))
        if layout["dead"]:
            parts.append(torch.stack([self._dead[i] for i in layout["dead"]]))
        carry = self._carry.take() if self._carry is not None else None
        if carry is not None:
            parts.append(carry.reshape(1).to(parts[0].device if parts else carry.device))
            layout["carry"] = True
        self._snapshot, self._dead = None, {}
        if not self._pace.is_record(self._step + 1):  # the next step is not a record step: no hooks on it
            for h in self._relu_hooks:
                h.remove()
            self._relu_hooks = []
        if not parts:
            return None
        try:
            flat = torch.cat(parts)
        except RuntimeError:  # parameters on several devices
            flat = torch.cat([p.to(self._device) for p in parts])
        return flat, layout

    def _sampled(self) -> torch.Tensor:
        return torch.cat([s.reshape(-1) for s in self._samples]).float()

    def _layer_values(self, flat: list, layer) -> dict:
        layout = layer[1] if layer else {"grad": [], "update": [], "dead": []}
        if layout.get("carry"):
            flat, carry = flat[:-1], flat[-1]
        n_g, n_u = len(layout["grad"]), len(layout["update"])
        grads = [None] * len(self._params)
        for i, v in zip(layout["grad"], flat[:n_g]):
            grads[i] = v
        out = {"recorded": True, "grad_norms": [_finite(v) for v in grads]}
        present = [v for v in grads if v is not None]
        out["nonfinite_grad"] = any(not math.isfinite(v) for v in present)
        if out["nonfinite_grad"]:  # where it first shows: the layers, in the model's order
            out["nonfinite_layers"] = [self._names[i] for i, v in enumerate(grads) if v is not None and not math.isfinite(v)]
        if out["nonfinite_grad"] and self.optimizer is not None and not self._stepped:
            out["nonfinite_grad"], out["skipped_step"] = False, True  # a GradScaler skipped the step: AMP at work
        out["grad_norm"] = _finite(math.sqrt(sum(v * v for v in present))) if present and not out["nonfinite_grad"] else None
        if self._first_last and grads[self._first_last[0]] is not None and grads[self._first_last[1]] is not None:
            a, b = (grads[i] / math.sqrt(self._params[i].numel()) for i in self._first_last)
            out["first_last_grad_ratio"] = _finite(a / b) if b > 0 else None
        if n_u:
            w, d = flat[n_g:n_g + n_u], flat[n_g + n_u:n_g + 2 * n_u]  # squared norms
            ratios = [_finite(math.sqrt(dv / wv)) if wv > 0 else None for wv, dv in zip(w, d)]
            bad = [self._names[i] for i, wv in enumerate(w) if not math.isfinite(wv)]
            if bad:
                out["nonfinite_weights"] = bad
            out["update_ratios"] = ratios
            known = sorted(ratios[i] for i in self._weights if ratios[i] is not None)
            out["update_ratio"] = known[len(known) // 2] if known else None
        dead = flat[n_g + 2 * n_u:]
        if dead:
            out["dead_fracs"] = {self._relus[i][0]: v for i, v in zip(layout["dead"], dead)}
            out["dead_frac"] = max(dead)
        out["memory_mb"] = self._gauge.read(time.perf_counter() - self._t0)
        if self._host is not None:  # on CUDA the host heap too: a retained graph's nodes live there
            out["host_mb"] = self._host.read(time.perf_counter() - self._t0)
        if self.optimizer is not None:
            out["lr"] = [_plain(g.get("lr")) for g in self.optimizer.param_groups]
        if layout.get("carry"):
            out["grad_carry"] = _finite(carry)
        return out

    def _write(self, obj: dict) -> None:
        if self._file is None:
            return
        if self._header_due:
            self._header_due = False
            if obj is not self.header:
                self._write(self.header)
        try:
            text = json.dumps(obj, allow_nan=False, default=_plain)
        except ValueError:  # a non-finite number slipped through: null it rather than stop the run
            text = json.dumps(_clean(obj), allow_nan=False, default=_plain)
        self._file.write(text + "\n")
        now = time.perf_counter()
        if now - self._last_flush > FLUSH_S:
            self._file.flush()
            self._last_flush = now

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

    def _check(self, k: int, urgent: bool = False) -> None:
        if self._early is None or self._early.done:
            return
        t = time.perf_counter()
        if not urgent and (k < self.warmup or self._check_spent > self.check_share * (t - self._t0)):
            return
        found = self._early.check(k, summarize(self.header, self.rows, self.evals, live=True))
        self._check_spent += time.perf_counter() - t
        for w in found:
            self.warnings.append(w.message)
            if self.on_warning == "raise":
                raise DoomedRun(w.message, w.symptom, w.cause, k)
            print(w.message, file=self._stream or sys.stderr)


class _CallableModule(types.ModuleType):
    """``from probes import watch`` may give this module (see probes/__init__.py): calling it calls ``watch``."""

    def __call__(self, model, optimizer=None, record=None, every: int = 10, **options) -> Watch:
        return watch(model, optimizer, record=record, every=every, **options)


sys.modules[__name__].__class__ = _CallableModule
