"""``--output FILE``: checked before the diagnosis, written atomically after it.

A diagnosis takes minutes; finding only then that the folder is missing (or that FILE is a folder)
loses the report.  And writing in place loses the old report when the write fails half-way (a full
disk): the text goes to a temporary file beside FILE, then ``os.replace`` swaps it in.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """An --output path that cannot be written; ``str()`` is the one-line reason."""


def check(path: str) -> Path:
    """The path, if a report can be written there; OutputError with the reason otherwise."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OutputError(f"--output {path}: is a folder — give a file name")
    if not folder.is_dir():
        raise OutputError(f"--output {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"--output {path}: folder {folder} is not writable")
    if p.exists() and not p.is_file():
        raise OutputError(f"--output {path}: not a regular file")
    return p


def write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (the old file stays whole until the new one is)."""
    p = check(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if p.exists():
            os.chmod(tmp, p.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
