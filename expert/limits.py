"""Limits on the user's code when it runs in this process (live subjects): a time limit and torch's threads.

The worker process applies the same thread count (``thread_count``); its time limit is the parent
killing it.  In this process, ``watchdog`` raises ``ProbeTimeout`` in the main thread by SIGALRM.
"""
from __future__ import annotations

import os
import signal
import threading
import time


class ProbeTimeout(BaseException):
    """Raised inside a probe by the in-process watchdog (a BaseException: the user's ``except Exception``
    cannot swallow it)."""


def thread_count() -> int:
    """Torch threads for probes: DLDOCTOR_THREADS, default 1 (small diagnostic models run as fast on one
    thread, and on a busy machine several threads spin against each other: up to 100x slower, measured)."""
    try:
        return max(1, int(os.environ.get("DLDOCTOR_THREADS", "1")))
    except ValueError:
        return 1


class threads:
    """torch's thread count set to ``thread_count()`` for one probe, and put back."""

    def __enter__(self):
        import torch

        self.before = torch.get_num_threads()
        torch.set_num_threads(thread_count())
        return self

    def __exit__(self, *exc) -> bool:
        import torch

        torch.set_num_threads(self.before)
        return False


class watchdog:
    """SIGALRM after ``seconds`` raises ProbeTimeout in the main thread, except while the user's objects
    are being restored (that must finish)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
                      and 0 < seconds < 1e6)

    def _fire(self, signum, frame) -> None:
        from dldoctor.probes.snapshot import State

        f = frame
        while f is not None:
            if f.f_code is State.restore.__code__:
                return
            f = f.f_back
        raise ProbeTimeout(f"the probe ran past its {self.seconds:.1f} s limit")

    def __enter__(self):
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            self.caller_timer = signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 0.01))  # (left, interval)
            self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc) -> bool:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL if self.previous is None else self.previous)
            left, interval = self.caller_timer
            if left > 0 or interval > 0:  # the caller's own timer goes on, less the time the probe took
                if left > 0:
                    left = max(left - (time.monotonic() - self.t0), 1e-3)  # due during the probe: fires now
                else:
                    left = interval
                signal.setitimer(signal.ITIMER_REAL, left, interval)
        return False
