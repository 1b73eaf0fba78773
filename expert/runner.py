"""Where probes run: in a worker process (targets: isolated, killable) or in this process (live objects).

Both runners answer ``load() -> subject keys`` and ``run(probe_id, timeout_s, on_progress) -> dict``
(the plain dict of ``probes.run.run_probe``); a probe that raises, overruns its time or kills its
process comes back as ``status: failed`` with the reason, and the next probe gets a fresh worker.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from expert.target import TargetError

_ROOT = str(Path(__file__).resolve().parent.parent)


def default_memory_limit_mb() -> float | None:
    """Half the machine's memory, at most 16 GiB: a runaway target fails inside its probe."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return min(pages * size / 2**20 / 2, 16384.0)
    except (ValueError, OSError, AttributeError):
        return None


def _failed(probe_id: str, message: str, seconds: float) -> dict:
    return {"id": probe_id, "status": "failed", "seconds": round(seconds, 3), "message": message,
            "findings": {}, "confidence": {}, "details": {}, "notes": []}


class WorkerRunner:
    """Runs probes for a target spec in a child process (``python -m expert.worker``)."""

    def __init__(self, target: str, *, seed: int = 0, patterns=(), memory_budget_mb=None, memory_limit_mb="default"):
        self.target, self.seed, self.patterns = target, seed, [list(p) for p in patterns]
        self.memory_budget_mb = memory_budget_mb
        self.memory_limit_mb = default_memory_limit_mb() if memory_limit_mb == "default" else memory_limit_mb
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.keys: set[str] = set()
        self.log = tempfile.TemporaryFile(mode="w+b")
        self.load_seconds = 0.0

    # -- process management
    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([_ROOT, os.getcwd(), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env["PYTHONUNBUFFERED"] = "1"
        if self.memory_limit_mb:
            env["DLDOCTOR_MEMORY_LIMIT_MB"] = str(int(self.memory_limit_mb))
        self.proc = subprocess.Popen([sys.executable, "-m", "expert.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, start_new_session=True)
        self.lines = queue.Queue()
        out = self.proc.stdout

        def pump(q=self.lines):
            for raw in out:
                q.put(raw)
            q.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def _send(self, obj) -> None:
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()

    def _recv(self, deadline: float, on_progress=None):
        """The next reply; None when the worker died; TimeoutError at the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                raw = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if raw is None:
                return None
            msg = json.loads(raw)
            if "progress" in msg:
                if on_progress:
                    on_progress(msg["progress"], msg.get("message", ""))
                continue
            return msg

    def _kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def _death(self) -> str:
        code = self.proc.wait(timeout=5) if self.proc else None
        tail = self.stderr_tail()
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
        if code == -signal.SIGKILL:
            how += " (out of memory?)"
        return f"the worker process {how}" + (f"; last output: {tail}" if tail else "")

    def stderr_tail(self, n: int = 1) -> str:
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - 4000))
        lines = [ln for ln in self.log.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        return " | ".join(lines[-n:])[:300]

    # -- the runner API
    def load(self, timeout_s: float = 120.0) -> set[str]:
        t0 = time.monotonic()
        self._start()
        self._send({"op": "load", "target": self.target, "seed": self.seed, "patterns": self.patterns,
                    "memory_budget_mb": self.memory_budget_mb})
        try:
            msg = self._recv(time.monotonic() + timeout_s)
        except TimeoutError:
            self._kill()
            raise TargetError(f"{self.target}: loading it did not finish within {timeout_s:.0f} s") from None
        if msg is None:
            raise TargetError(f"{self.target}: loading it killed the process ({self._death()})")
        if not msg.get("ok"):
            self._kill()
            raise TargetError(msg["error"])
        self.keys = set(msg["keys"])
        self.load_seconds = time.monotonic() - t0
        return self.keys

    def run(self, probe_id: str, timeout_s: float, on_progress=None) -> dict:
        t0 = time.monotonic()
        if self.proc is None or self.proc.poll() is not None:
            try:
                self.load()
            except TargetError as exc:
                return _failed(probe_id, f"could not restart the worker: {exc}", time.monotonic() - t0)
        timeout_s = max(timeout_s - (time.monotonic() - t0), 1.0)
        try:
            self._send({"op": "probe", "id": probe_id, "timeout_s": timeout_s})
            msg = self._recv(time.monotonic() + timeout_s, on_progress)
        except TimeoutError:
            self._kill()
            return _failed(probe_id, f"timed out after {timeout_s:.1f} s (the worker was stopped)", time.monotonic() - t0)
        except (BrokenPipeError, OSError):
            msg = None
        if msg is None:
            why = self._death()
            self.proc = None
            return _failed(probe_id, why, time.monotonic() - t0)
        return msg["result"]

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self._send({"op": "exit"})
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                pass
        self._kill()
        self.log.close()


class InProcessRunner:
    """Runs probes on a live Subject in this process (the Python API); objects are restored after each."""

    def __init__(self, subject, *, seed: int = 0, patterns=(), memory_budget_mb=None):
        from probes.context import ProbeContext

        self.subject = subject
        self.ctx = ProbeContext(seed=seed, patterns=[tuple(p) for p in patterns], memory_budget_mb=memory_budget_mb)
        self.keys = subject.keys()

    def load(self, timeout_s: float = 0) -> set[str]:
        return self.keys

    def run(self, probe_id: str, timeout_s: float, on_progress=None) -> dict:
        from probes.run import run_probe

        self.ctx.deadline = time.monotonic() + timeout_s
        self.ctx.on_progress = on_progress
        return run_probe(probe_id, self.subject, self.ctx)

    def close(self) -> None:
        pass
