"""The watch's record interval, adapted to the measured step time.

A record step costs the watch a fixed amount of work (a dozen tensor operations, one host sync, one
JSON line: about 0.1-0.3 ms on a CPU), whatever the model.  On a 16 ms step that is nothing; on a
sub-millisecond step, at every=1, it would be a quarter of the run.  So ``every`` is the finest
interval: the first ``FULL`` record steps are taken as asked (the start of a run, where
initialisation faults and the first steps' damage show), then the interval doubles while the
watch's cost per record step exceeds ``share`` of the training time between two record steps, and
halves back (never below ``every``) when it falls under a quarter of it.  The cost is the median of
the last ``KEEP`` record steps' (a time slice lost to another process on a loaded machine is not a
cost of the watch); the step time is a running mean.  Each recorded row carries the ``stride`` it was
taken at; per-step losses are kept at every step whatever the stride.  ``share=None``: the interval
stays ``every`` (tests that need a fixed number of record steps).
"""
from __future__ import annotations

import statistics
from collections import deque

FULL = 6  # record steps always taken at the requested interval
MAX_STRETCH = 1024  # the interval grows to at most this many times ``every``
SMOOTH = 0.3  # weight of the newest step time in its running mean
KEEP = 5  # record-step costs the median is taken over


class Pace:
    def __init__(self, every: int, share: float | None):
        self.every, self.share, self.stride = every, share, every
        self.n = 0
        self._costs: deque = deque(maxlen=KEEP)
        self._step = None

    def is_record(self, step: int) -> bool:
        return step % self.stride == 0

    def recorded(self, cost_s: float, step_time_s: float | None) -> None:
        """After a record step: its cost to the watch and the mean training step time of its window."""
        self.n += 1
        self._costs.append(cost_s)
        if step_time_s is not None and step_time_s > 0:
            self._step = step_time_s if self._step is None else (1 - SMOOTH) * self._step + SMOOTH * step_time_s
        if self.n < FULL or self._step is None or self.share is None:
            return
        spent = statistics.median(self._costs) / (self.stride * self._step)
        while spent > self.share and self.stride < self.every * MAX_STRETCH:
            self.stride *= 2
            spent /= 2
        if spent < self.share / 4 and self.stride > self.every:
            self.stride //= 2
