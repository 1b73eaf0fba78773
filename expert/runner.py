"""Where a target's probes run: in a worker process, isolated and killable (live objects run in this
process: ``expert.in_process``).

Both runners answer ``load() -> subject keys`` and ``run(probe_id, timeout_s, on_progress) -> dict``
(the plain dict of ``probes.run.run_probe``); a probe that raises, overruns its time or kills its
process comes back as ``status: failed`` with the reason, and the next probe gets a fresh worker.

``WorkerRunner``: one child process per target (``python -m expert.worker``), started once and
restarted only after a probe killed it or ran past its time (the whole process group is killed: the
user's DataLoader workers too).  Its memory is capped (``DLDOCTOR_MEMORY_LIMIT_MB``).  Ctrl-C in the
parent kills the worker at once; the worker runs in its own session so the terminal's SIGINT never
reaches the user's code.
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

from dldoctor.expert.target import TargetError
from dldoctor.probes.result import ProbeResult

_ROOT = str(Path(__file__).resolve().parent.parent)  # where dldoctor was imported from, when not installed
# The worker's start: the working directory never on sys.path (``-c`` puts it first: a numpy.py where
# dldoctor runs would shadow numpy), dldoctor's own folder last (found only if not installed).  The
# target's folder is put on the path by ``expert.target`` while the target loads, for the target only.
_BOOT = ("import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')] + [sys.argv[1]]; del sys.argv[1:]; "
         "from dldoctor.expert.worker import main; main()")


def default_memory_limit_mb() -> float | None:
    """Half the machine's memory, at most 16 GiB: a runaway target fails inside its probe."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return min(pages * size / 2**20 / 2, 16384.0)
    except (ValueError, OSError, AttributeError):
        return None


def _env_limit() -> float | None:
    """DLDOCTOR_MEMORY_LIMIT_MB when it is a positive number of megabytes."""
    try:
        value = float(os.environ.get("DLDOCTOR_MEMORY_LIMIT_MB", ""))
    except ValueError:
        return None
    return value if 0 < value < float("inf") else None


def failed(probe_id: str, message: str, seconds: float) -> ProbeResult:
    """A probe result for a probe that did not come back."""
    return ProbeResult.failed(probe_id, message, seconds)


class WorkerRunner:
    """Runs probes for a target spec in a child process (``python -m expert.worker``)."""

    def __init__(self, target: str, *, seed: int = 0, patterns=(), memory_budget_mb=None, memory_limit_mb="default",
                 load_timeout_s: float = 120.0):
        self.target, self.seed, self.patterns = target, seed, [list(p) for p in patterns]
        self.memory_budget_mb = memory_budget_mb
        if memory_limit_mb == "default":  # the user's own DLDOCTOR_MEMORY_LIMIT_MB wins over the default
            memory_limit_mb = _env_limit() or default_memory_limit_mb()
        self.memory_limit_mb = memory_limit_mb
        self.load_timeout_s = load_timeout_s
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.keys: set[str] = set()
        self.facts: dict[str, bool] = {}
        self.log = tempfile.TemporaryFile(mode="w+b")
        self.env: dict = {}  # extra environment for the worker (e.g. --world-size)
        self.load_seconds = 0.0  # start + import + the target's function, last (re)start
        self.target_seconds = 0.0
        self.starts = 0
        self._cancelled = False
        self.scratch = tempfile.mkdtemp(prefix="dldoctor-scratch-")  # where the user's code's writes land
        self.writes: list[str] = []  # files the target's code tried to write (loading, probes): redirected

    # -- process management
    def _start(self) -> None:
        env = {**os.environ, **self.env}
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ beside the user's files
        env["DLDOCTOR_SCRATCH"] = self.scratch  # the worker redirects the user's writes there (expert.write_guard)
        if self.memory_limit_mb:
            env["DLDOCTOR_MEMORY_LIMIT_MB"] = str(max(1, int(self.memory_limit_mb)))
        else:
            env.pop("DLDOCTOR_MEMORY_LIMIT_MB", None)
        self.proc = subprocess.Popen([sys.executable, "-c", _BOOT, _ROOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, start_new_session=True)
        self.starts += 1
        self._cancelled = False
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

    def _recv(self, deadline: float, on_progress=None, lines=None, proc=None):
        """The next reply; None when the worker died; TimeoutError at the deadline.

        The worker's death is seen from the process itself, not only from the end of its output: a
        child the user's code forked may hold the pipe open long after the worker is gone."""
        lines = lines or self.lines
        proc = proc or self.proc
        dead_since = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                raw = lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if proc is not None and proc.poll() is not None:
                    if dead_since is not None:  # dead, and nothing more came after one more wait: gone
                        return None
                    dead_since = time.monotonic()
                continue
            if raw is None:
                return None
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if "progress" in msg:
                if on_progress:
                    on_progress(msg["progress"], msg.get("message", ""))
                continue
            return msg

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker leads its own group: its children go too
        except (ProcessLookupError, PermissionError, OSError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def cancel(self) -> None:
        """Stop the probe in flight (from another thread): the worker is killed, the probe comes back failed."""
        self._cancelled = True
        self._kill()

    def _death(self, proc) -> str:
        try:
            code = proc.wait(timeout=5) if proc is not None else None
        except subprocess.TimeoutExpired:
            code = None
        tail = self.stderr_tail()
        if code is None:
            how = "was stopped"
        elif code < 0:
            how = f"was killed by signal {-code}" + (" (out of memory?)" if code == -signal.SIGKILL else "")
        else:
            how = f"exited with code {code}"
        return f"the worker process {how}" + (f"; last output: {tail}" if tail else "")

    def stderr_tail(self, n: int = 1) -> str:
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - 4000))
        lines = [ln for ln in self.log.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        return " | ".join(lines[-n:])[:300]

    # -- the runner API
    def load(self, timeout_s: float | None = None) -> set[str]:
        timeout_s = self.load_timeout_s if timeout_s is None else timeout_s
        t0 = time.monotonic()
        try:
            self._start()
            proc = self.proc
            self._send({"op": "load", "target": self.target, "seed": self.seed, "patterns": self.patterns,
                        "memory_budget_mb": self.memory_budget_mb})
            msg = self._recv(time.monotonic() + timeout_s, proc=proc)
        except TimeoutError:
            self._kill()
            raise TargetError(f"{self.target}: loading it did not finish within {timeout_s:.0f} s") from None
        except (BrokenPipeError, OSError):
            msg, proc = None, self.proc
        except BaseException:  # Ctrl-C while loading: no worker left behind
            self._kill()
            raise
        if msg is None:
            why = self._death(proc)
            self._kill()
            raise TargetError(f"{self.target}: loading it ended the process ({why})")
        if not msg.get("ok"):
            self._kill()
            raise TargetError(msg["error"])
        self.keys = set(msg["keys"])
        self._tried(msg.get("writes"))
        self.facts = dict(msg.get("facts") or {})  # what the subject has (probes.facts): which questions apply
        self.load_seconds = time.monotonic() - t0
        self.target_seconds = float(msg.get("seconds", 0.0))  # inside the worker: importing and calling the target
        return self.keys

    def run(self, probe_id: str, timeout_s: float, on_progress=None) -> dict:
        """Run one probe; ``timeout_s`` is the probe's own time (a restart of the worker before it, bounded
        by ``load_timeout_s``, does not eat into it: after a hang the next probe is not starved)."""
        t0 = time.monotonic()
        if self.proc is None or self.proc.poll() is not None:
            self._kill()
            try:
                self.load()
            except TargetError as exc:
                return failed(probe_id, f"could not restart the worker: {exc}", time.monotonic() - t0)
        timeout_s = max(timeout_s, 1.0)
        proc, lines = self.proc, self.lines
        try:
            self._send({"op": "probe", "id": probe_id, "timeout_s": timeout_s})
            msg = self._recv(time.monotonic() + timeout_s, on_progress, lines, proc)
        except TimeoutError:
            self._kill()
            return self._lost(probe_id, f"timed out after {timeout_s:.1f} s (the worker was stopped)", t0)
        except (BrokenPipeError, OSError, AttributeError):  # AttributeError: cancelled (self.proc gone) before the send
            msg = None
        except BaseException:  # Ctrl-C: stop the user's code now, leave no process behind
            self._kill()
            raise
        if msg is None:
            if self._cancelled:
                self._kill()
                return failed(probe_id, "cancelled", time.monotonic() - t0)
            why = self._death(proc)
            self._kill()
            return self._lost(probe_id, why, t0)
        self._tried(msg.get("writes"))
        try:
            return ProbeResult.from_json(msg["result"])
        except ValueError as exc:
            return failed(probe_id, f"the worker sent a malformed result: {exc}", time.monotonic() - t0)

    def _tried(self, writes) -> None:
        if isinstance(writes, list):
            self.writes += [w for w in writes if isinstance(w, str) and w not in self.writes]
    def tune(self, config: dict, idle_timeout_s: float, on_progress=None) -> dict:
        """Run a tuning search in the worker (``probes.tuning.study``); it must report at least every
        ``idle_timeout_s`` (each checkpoint of each trial does), else it is stopped.  Returns the
        study's summary, or ``{"error": ...}`` when the worker failed or died."""
        if self.proc is None or self.proc.poll() is not None:
            self._kill()
            self.load()
        proc, lines = self.proc, self.lines
        last = [time.monotonic()]

        def progress(fraction, message):
            last[0] = time.monotonic()
            if on_progress:
                on_progress(fraction, message)

        try:
            self._send({"op": "tune", "config": config})
            while True:
                try:
                    msg = self._recv(last[0] + idle_timeout_s, progress, lines)
                    break
                except TimeoutError:
                    if time.monotonic() >= last[0] + idle_timeout_s:
                        raise
        except TimeoutError:
            self._kill()
            return {"error": f"the worker reported nothing for {idle_timeout_s:.0f} s and was stopped"}
        except (BrokenPipeError, OSError, AttributeError):
            msg = None
        except BaseException:
            self._kill()
            raise
        if msg is None:
            if self._cancelled:
                self._kill()
                return {"error": "cancelled"}
            why = self._death(proc)
            self._kill()
            return {"error": why}
        return msg["result"]

    def _lost(self, probe_id: str, why: str, t0: float) -> ProbeResult:
        """A probe that did not come back.  A probe whose question that answers itself (does the model run?)
        declares ``lost(why, patterns) -> Measurement`` in its module: the result stays failed but carries it."""
        from dldoctor.probes import registry

        out = failed(probe_id, why, time.monotonic() - t0)
        lost = getattr(registry.module(probe_id), "lost", None) if probe_id in registry.PROBE_MODULES else None
        if lost is not None:
            m = lost(why, self.patterns)
            out = out.replace(findings=dict(m.findings), notes=tuple(m.notes))
        return out

    def ping(self) -> float:
        """Seconds for one empty request/reply (the protocol's own overhead); the worker must be loaded."""
        t0 = time.perf_counter()
        self._send({"op": "ping"})
        self._recv(time.monotonic() + 30)
        return time.perf_counter() - t0

    def close(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                self._send({"op": "exit"})
                proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                pass
        self._kill()
        self.log.close()
        import shutil

        shutil.rmtree(self.scratch, ignore_errors=True)
