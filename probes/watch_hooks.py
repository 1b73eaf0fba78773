"""What the watch attaches to the user's model and optimizer: for record steps only, except the
model's forward pre-hook while the first batches are described (until the batch size is known) and
on every step under torch.distributed (each step's batch fingerprint, probes/watch_rank.py).

- the model's forward pre-hook: the data time (the batch's arrival), the first batches' inputs
  (probes/watch_signals.py), the distributed fingerprints, the record's header once the batch size
  is known;
- the optimizer's step pre-hook: the gradient-reset check at ``optimizer.step`` and the copy of the
  sampled weights before the update (probes/watch_layers.py);
- the ReLU hooks (probes/watch_layers.py) and the gradient hook of ``GradCarry``.

``spent`` adds up the seconds the model and optimizer hooks took (the ReLU and gradient hooks keep
their own), ``t_data`` is the batch's arrival and ``stepped`` whether ``optimizer.step`` ran, since
the last ``w.step``.
"""
from __future__ import annotations

import time

_clock = time.perf_counter


class Hooks:
    def __init__(self, model, optimizer, layers, carry, first, rank, file):
        self.model, self.optimizer, self.layers, self.carry, self.first, self.rank, self.file = (
            model, optimizer, layers, carry, first, rank, file)
        self.t_data, self.stepped, self.spent, self.record = None, False, 0.0, False
        self._pre = self._opt = None

    @property
    def handles(self) -> list:
        return [*self.layers.hooks, *(h for h in (self._pre, self._opt) if h is not None)]

    def arm(self, record: bool) -> None:
        """Attach what the next step needs (a record step: all; any other step: none once the first batches are seen)."""
        self.record = record
        every_step = self._every_step()
        if (record or every_step) and self._pre is None:
            self._pre = self.model.register_forward_pre_hook(self._on_forward)
        elif not record and not every_step and self._pre is not None:
            self._pre.remove()
            self._pre = None
        if self.optimizer is not None and record and self._opt is None:
            self._opt = self.optimizer.register_step_pre_hook(self._on_optimizer_step)
        elif not record and self._opt is not None:
            self._opt.remove()
            self._opt = None
        if record:
            self.layers.arm()
            if self.carry is not None:
                self.carry.arm()
        else:
            self.layers.disarm()

    def _every_step(self) -> bool:
        """Whether ordinary steps need the forward pre-hook too (the first batches, the batch size, fingerprints)."""
        return self.first.watching_inputs or self.rank.header.get("batch_size") is None or self.rank.fingerprints

    def close(self) -> None:
        self.layers.disarm()
        for h in (self._pre, self._opt):
            if h is not None:
                h.remove()
        self._pre = self._opt = None

    def _on_forward(self, module, args) -> None:
        t = _clock()
        if self.t_data is None:
            self.t_data = t
        if self.first.watching_inputs:
            self.first.on_input(args)
        self.rank.on_forward(module, args)
        if self.file is not None:
            self.file.header_ready()
        if not self.record and self._pre is not None and not self._every_step():
            # the first batches are seen: ordinary steps go without it (the module iterates over a copy of its hooks)
            self._pre.remove()
            self._pre = None
        self.spent += _clock() - t

    def _on_optimizer_step(self, optimizer, args, kwargs) -> None:
        t = _clock()
        self.stepped = True
        if self.record:
            if self.carry is not None:
                self.carry.at_step()
            self.layers.before_step()  # a copy of the sampled weights before the step
        self.spent += _clock() - t
