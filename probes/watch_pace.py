"""The watch's record interval, adapted to the measured step time.

A record step costs the watch a fixed amount of work (a few dozen tensor operations, one host sync,
one JSON line: about 0.1-0.5 ms on a CPU), whatever the model.  On a 16 ms step that is nothing; on
a sub-millisecond step, at every=1, it would double the run.  So ``every`` is the finest interval:
the first ``FULL`` record steps are taken as asked (the start of a run, where initialisation faults
and the first steps' damage show), then the interval doubles while the watch's own time per record
step exceeds ``share`` of the training time between two record steps, and halves back (never below
``every``) when it falls under a quarter of it.  Each recorded row carries the ``stride`` it was
taken at; per-step losses are kept at every step whatever the stride.  ``share=None``: the
interval stays ``every`` (tests that need a fixed number of record steps).
"""
from __future__ import annotations

FULL = 6  # record steps always taken at the requested interval
MAX_STRETCH = 1024  # the interval grows to at most this many times ``every``
SMOOTH = 0.3  # weight of the newest measurement in the running means


class Pace:
    def __init__(self, every: int, share: float | None):
        self.every, self.share, self.stride = every, share, every
        self.n = 0
        self._cost = self._step = None

    def is_record(self, step: int) -> bool:
        return step % self.stride == 0

    def recorded(self, cost_s: float, step_time_s: float | None) -> None:
        """After a record step: its cost to the watch and the mean training step time of its window."""
        self.n += 1
        self._cost = cost_s if self._cost is None else (1 - SMOOTH) * self._cost + SMOOTH * cost_s
        if step_time_s is not None and step_time_s > 0:
            self._step = step_time_s if self._step is None else (1 - SMOOTH) * self._step + SMOOTH * step_time_s
        if self.n < FULL or self._step is None or self.share is None:
            return
        spent = self._cost / (self.stride * self._step)
        while spent > self.share and self.stride < self.every * MAX_STRETCH:
            self.stride *= 2
            spent /= 2
        if spent < self.share / 4 and self.stride > self.every:
            self.stride //= 2
