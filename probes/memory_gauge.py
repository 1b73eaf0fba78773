"""How much memory a watched run uses, read the cheapest exact way this process allows."""
from __future__ import annotations

import functools
import os
import sys
import time

import torch

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class MemoryGauge:
    """Memory in use, measured the best way this process allows (``kind``):

    cuda  ``torch.cuda.memory_allocated``: exact and free.
    heap  the C heap's bytes in use (glibc ``mallinfo2``: CPU tensors live there).  Exact, and unlike
          the resident size it is not hidden by freed pages being reused, so a leak of a few KB a step
          shows.  It walks the allocator's free lists, so it is skipped on record steps where its
          total cost exceeds ``share`` of the run's time, beyond ``grace_s`` (memory is then null).
    rss   the resident set size (/proc/self/statm; the peak from ``resource`` off Linux): what is left.
    """

    def __init__(self, device: torch.device, share: float, grace_s: float):
        self.device, self.spent, self._statm, self._mallinfo = device, 0.0, None, None
        self.share, self.grace_s = share, grace_s
        if device.type == "cuda":
            self.kind = "cuda"
            return
        self._mallinfo = _mallinfo2()
        self.kind = "heap" if self._mallinfo is not None else "rss"

    def read(self, elapsed: float) -> float | None:
        """Megabytes in use now (None when skipped to keep within the time share)."""
        if self.kind == "cuda":
            return round(torch.cuda.memory_allocated(self.device) / 2**20, 3)
        if self.kind == "heap":
            if self.spent > max(self.share * elapsed, self.grace_s):
                return None
            t = time.perf_counter()
            m = self._mallinfo()
            self.spent += time.perf_counter() - t
            return round((m.uordblks + m.hblkhd) / 2**20, 3)
        try:
            if self._statm is None:
                self._statm = os.open("/proc/self/statm", os.O_RDONLY)
            return round(int(os.pread(self._statm, 256, 0).split()[1]) * _PAGE / 2**20, 3)
        except OSError:  # not Linux: the peak resident size is the best the standard library offers
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)

    def close(self) -> None:
        if self._statm is not None:
            os.close(self._statm)
            self._statm = None


@functools.cache
def _mallinfo2():
    """glibc's ``mallinfo2`` as a callable returning its struct, or None where there is none (looked up once
    a process: the lookup took 0.12 ms, a fifth of a watch's start)."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                                                    "uordblks", "fordblks", "keepcost")]

    try:
        fn = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype, fn.argtypes = MallInfo2, []
    return fn
