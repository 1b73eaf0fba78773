"""Where a live Subject's probes run: in this process (the Python API), since live objects cannot
cross a process boundary; a watchdog (SIGALRM, main thread only) interrupts a probe that overruns its
time.  It answers the same ``load()`` / ``run()`` as ``expert.runner.WorkerRunner``."""
from __future__ import annotations

import tempfile
import time

from dldoctor.probes.result import ProbeResult


class InProcessRunner:
    """Runs probes on a live Subject in this process (the Python API); objects are restored after each.

    A probe that overruns ``timeout_s`` is interrupted by SIGALRM when this runs on the main thread
    (Python code and sleeps stop at once; one long torch operation is waited for), and comes back
    failed.  Off the main thread, the probe's own ``ctx.deadline`` is the only limit.  Torch runs on
    ``thread_count()`` threads during a probe, as in the worker, and is put back after.
    """

    def __init__(self, subject, *, seed: int = 0, patterns=(), memory_budget_mb=None):
        from dldoctor.probes.context import ProbeContext

        self.subject = subject
        self.ctx = ProbeContext(seed=seed, patterns=[tuple(p) for p in patterns], memory_budget_mb=memory_budget_mb)
        self.keys = subject.keys()
        self.scratch = None  # made on the first probe: where the user's writes land (expert.write_guard)
        self.writes: list[str] = []  # files the code tried to write during the probes
        from dldoctor.probes.facts import of as facts_of

        try:
            self.facts = facts_of(subject)
        except Exception:
            self.facts = {}

    def load(self, timeout_s: float = 0) -> set[str]:
        return self.keys

    def run(self, probe_id: str, timeout_s: float, on_progress=None) -> dict:
        from dldoctor.expert.limits import ProbeTimeout, threads, watchdog
        from dldoctor.probes.run import run_probe

        from dldoctor.expert.write_guard import WriteGuard, shown

        self.ctx.deadline = time.monotonic() + timeout_s
        self.ctx.on_progress = on_progress
        self.scratch = self.scratch or tempfile.mkdtemp(prefix="dldoctor-scratch-")
        guard = WriteGuard(self.scratch, thread_only=True)  # only this thread's writes: the caller's others are theirs
        t0 = time.monotonic()
        try:
            with watchdog(timeout_s), threads(), guard:
                result = run_probe(probe_id, self.subject, self.ctx)
        except ProbeTimeout:  # the alarm came after the probe was restored, before run_probe returned
            result = ProbeResult.failed(probe_id, f"timed out after {timeout_s:.1f} s", time.monotonic() - t0)
        if guard.attempted:
            tried = shown(guard.attempted)
            self.writes += [w for w in tried if w not in self.writes]
            result = result.replace(notes=(*result.notes, f"the code tried to write {', '.join(tried[:5])} — kept in a "
                                                          "scratch folder; your files were not touched"))
        return result

    def close(self) -> None:
        if self.scratch:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)
