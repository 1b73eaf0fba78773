"""Writes by the user's code during a diagnosis land in a scratch folder, never on the user's files.

A ``train_step`` that saves a checkpoint or appends to a log beside the target would otherwise
overwrite the user's real files hundreds of times while the probes train.  While the guard is on:

- ``open``/``io.open``/``os.open`` for writing, ``os.mkdir``, ``os.rename``/``os.replace`` and
  ``os.remove``/``os.unlink`` of a path outside the allowed folders are redirected to a copy under
  the scratch folder (``<scratch>/files/<the absolute path>``; an append or read-write open starts
  from a copy of the real file), and later reads of that path read the copy, so a step that saves
  and reloads a checkpoint still works.  ``torch.save`` to a file name goes through torch's own
  file writer (C++, no Python ``open``): it is redirected the same way.
- An audit hook (``sys.addaudithook``) refuses, with PermissionError, any other write outside the
  allowed folders that Python can see (a file handle opened before the guard, ``os.truncate``,
  ``shutil.rmtree`` ...).
- Every path the user's code tried to write is recorded (``attempted``) and reported.

In the worker the guard is on for the worker's whole life (the process is the sandbox); in this
process (a live subject) it is on during each probe, for the probe's thread only.

Allowed: the scratch folder (also ``TMPDIR`` for the user's code), ``/dev/null``, ``/dev/shm``, torch's compile cache, dldoctor's own ``<tmp>/dldoctor-*`` folders,
and folders named in ``DLDOCTOR_WRITABLE`` (``os.pathsep``-separated) for a run that must write
somewhere real.  A write from compiled code that bypasses Python (a C library's own ``fopen``) is
not seen.
"""
from __future__ import annotations

import builtins
import io
import os
import shutil
import sys
import tempfile
import threading

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_EVENTS = frozenset({"open", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.truncate", "os.symlink", "os.link",
                     "os.chmod", "os.chown", "os.utime", "shutil.rmtree"})
_COPY_LIMIT = 256 * 2**20  # an append to a larger file starts from an empty copy
# torch's own compile cache (``<tmp>/torchinductor_<user>``): torch's files, not the user's
_TORCH_CACHE = os.path.join(os.path.realpath(tempfile.gettempdir()), "torchinductor_")
# dldoctor's own scratch folders (``tempfile.mkdtemp(prefix="dldoctor-")``, e.g. the distributed probe's rendezvous)
_OWN_SCRATCH = os.path.join(os.path.realpath(tempfile.gettempdir()), "dldoctor-")


class WriteGuard:
    """Redirects the user's writes into ``scratch`` while on (``with guard:``); see the module docstring."""

    def __init__(self, scratch: str, allowed=(), thread_only: bool = False):
        self.scratch = os.path.realpath(scratch)
        extra = [p for p in os.environ.get("DLDOCTOR_WRITABLE", "").split(os.pathsep) if p]
        self.allowed = tuple(os.path.realpath(p) for p in (self.scratch, "/dev/shm", *allowed, *extra))
        self.attempted: list[str] = []
        self.redirects: dict[str, str] = {}
        self.on = False
        self.thread = threading.get_ident() if thread_only else None
        self._busy = threading.local()
        self._saved: dict = {}

    # ---------------------------------------------------------------- which paths
    def _applies(self) -> bool:
        return self.on and not getattr(self._busy, "x", False) and (self.thread is None or threading.get_ident() == self.thread)

    def _real(self, path) -> str | None:
        if isinstance(path, int):
            return None
        try:
            return os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None

    def _free(self, real: str) -> bool:
        return (real == os.devnull or any(real == a or real.startswith(a + os.sep) for a in self.allowed)
                or real.startswith(_TORCH_CACHE) or real.startswith(_OWN_SCRATCH))

    def _note(self, real: str) -> None:
        if real not in self.attempted:
            self.attempted.append(real)

    def map(self, path, writing: bool, copy: bool = False):
        """The path to use instead of ``path`` (itself when allowed, or read-only and never redirected)."""
        real = self._real(path)
        if real is None or not self._applies() or self._free(real):
            return path
        if real in self.redirects:
            return self.redirects[real]
        if not writing:
            return path
        self._note(real)
        copy_to = os.path.join(self.scratch, "files", real.lstrip(os.sep))
        self._busy.x = True
        try:
            os.makedirs(os.path.dirname(copy_to), exist_ok=True)
            if copy and os.path.isfile(real) and os.path.getsize(real) <= _COPY_LIMIT:
                shutil.copyfile(real, copy_to)
        finally:
            self._busy.x = False
        self.redirects[real] = copy_to
        return copy_to

    # ---------------------------------------------------------------- the patched functions
    def _open(self, file, mode="r", *args, **kwargs):
        writing = isinstance(mode, str) and any(c in mode for c in "wax+")
        keep = isinstance(mode, str) and ("a" in mode or "+" in mode) and "w" not in mode
        return self._saved["open"](self.map(file, writing, copy=keep), mode, *args, **kwargs)

    def _os_open(self, path, flags, mode=0o777, *, dir_fd=None):
        if dir_fd is None:
            keep = bool(flags & (os.O_APPEND | os.O_RDWR)) and not flags & os.O_TRUNC
            path = self.map(path, bool(flags & _WRITE_FLAGS), copy=keep)
        return self._saved["os.open"](path, flags, mode, dir_fd=dir_fd)

    def _mkdir(self, path, mode=0o777, *, dir_fd=None):
        real = self._real(path)
        if dir_fd is None and real is not None and self._applies() and not self._free(real):
            copy_to = self.map(path, True)
            self._busy.x = True
            try:
                os.makedirs(copy_to, exist_ok=True)
            finally:
                self._busy.x = False
            return None
        return self._saved["os.mkdir"](path, mode, dir_fd=dir_fd)

    def _rename(self, name):
        def rename(src, dst, *args, **kwargs):
            if not args and not kwargs:
                src, dst = self.map(src, True, copy=True), self.map(dst, True)
            return self._saved[name](src, dst, *args, **kwargs)
        return rename

    def _remove(self, name):
        def remove(path, *args, **kwargs):
            real = self._real(path)
            if not args and not kwargs and real is not None and self._applies() and not self._free(real):
                self._note(real)
                copy = self.redirects.pop(real, None)
                if copy is not None and os.path.exists(copy):
                    self._saved[name](copy)
                return None  # the user's own file stays
            return self._saved[name](path, *args, **kwargs)
        return remove

    def _torch_writer(self, original):
        guard = self

        def __init__(self, name, *args, **kwargs):
            original(self, guard.map(name, True), *args, **kwargs)
        return __init__

    # ---------------------------------------------------------------- the backstop
    def audit(self, event: str, args: tuple) -> None:
        if event not in _EVENTS or not self._applies():
            return
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None))[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
            if not writing:
                return
            paths = [path]
        else:
            paths = [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))][: 2 if event in ("os.rename", "os.link", "os.symlink") else 1]
        for p in paths:
            real = self._real(p)
            if real is not None and not self._free(real) and real not in self.redirects.values():
                self._note(real)
                raise PermissionError(f"dldoctor: {event} of {real} during a diagnosis is not allowed (your files are never written)")

    # ---------------------------------------------------------------- on and off
    def __enter__(self):
        self._saved = {"open": builtins.open, "os.open": os.open, "os.mkdir": os.mkdir, "os.rename": os.rename,
                       "os.replace": os.replace, "os.remove": os.remove, "os.unlink": os.unlink}
        builtins.open = io.open = self._open
        os.open, os.mkdir = self._os_open, self._mkdir
        os.rename, os.replace = self._rename("os.rename"), self._rename("os.replace")
        os.remove, os.unlink = self._remove("os.remove"), self._remove("os.unlink")
        writer = _torch_writer_class()
        if writer is not None:
            self._saved["torch"] = (writer, writer.__init__)
            writer.__init__ = self._torch_writer(writer.__init__)
        _hook_once()
        _ACTIVE.append(self)
        self.on = True
        return self

    def __exit__(self, *exc) -> bool:
        self.on = False
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        s = self._saved
        builtins.open = io.open = s["open"]
        os.open, os.mkdir, os.rename, os.replace = s["os.open"], s["os.mkdir"], s["os.rename"], s["os.replace"]
        os.remove, os.unlink = s["os.remove"], s["os.unlink"]
        if "torch" in s:
            writer, init = s["torch"]
            writer.__init__ = init
        return False


def _torch_writer_class():
    ser = sys.modules.get("torch.serialization")
    return getattr(ser, "_open_zipfile_writer_file", None) if ser is not None else None


_ACTIVE: list[WriteGuard] = []
_HOOKED = []


def _hook_once() -> None:
    """One audit hook per process (hooks cannot be removed): it asks the guards that are on."""
    if _HOOKED:
        return

    def hook(event, args):
        if event in _EVENTS:
            for g in tuple(_ACTIVE):
                g.audit(event, args)

    sys.addaudithook(hook)
    _HOOKED.append(hook)


def shown(paths, base: str | None = None) -> list[str]:
    """Paths as the user knows them: relative to ``base`` (the target's folder, else the working directory)."""
    base = base or os.getcwd()
    out = []
    for p in paths:
        rel = os.path.relpath(p, base)
        out.append(p if rel.startswith(os.pardir + os.sep + os.pardir) else rel)
    return out
