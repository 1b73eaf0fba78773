"""Which KB folders to load (built-in, ``--kb DIR``, ``[tool.dldoctor] kb`` in pyproject.toml), and a
cache of the compiled result keyed by every file's path, size and modification time.

The cache lives in ``$DLDOCTOR_CACHE_DIR`` or ``~/.cache/dldoctor`` (never in the user's project).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from dldoctor.expert import compiler

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None


def pyproject_kb_dirs(start: Path | None = None) -> list[Path]:
    """KB folders named by ``[tool.dldoctor] kb = [...]`` in the nearest pyproject.toml (paths relative to it)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        f = folder / "pyproject.toml"
        if f.is_file():
            if tomllib is None:
                return []
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
                raise ValueError(f"{f}: cannot read [tool.dldoctor]: {exc}") from None
            dirs = data.get("tool", {}).get("dldoctor", {}).get("kb", [])
            if isinstance(dirs, str):
                dirs = [dirs]
            if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
                raise ValueError(f"{f}: [tool.dldoctor] kb must be a folder or a list of folders")
            return [(folder / d) for d in dirs]
    return []


def cache_dir() -> Path:
    return Path(os.environ.get("DLDOCTOR_CACHE_DIR") or Path.home() / ".cache" / "dldoctor")


def _fingerprint(dirs: list[Path], builtin: bool) -> str:
    h = hashlib.sha256()
    code = Path(compiler.__file__).parent
    roots = ([compiler.BUILTIN_KB] if builtin else []) + list(dirs)
    for f in [*sorted(code.glob("*.py")), *sorted((code.parent / "probes").glob("*.py"))]:  # the code that compiles
        if f.exists():
            st = f.stat()
            h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    for root in roots:
        h.update(f"root:{Path(root).resolve()}".encode())
        if Path(root).is_dir():
            for f in sorted(Path(root).rglob("*.y*ml")):
                st = f.stat()
                h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


def load_kb(extra_dirs=(), *, builtin: bool = True, use_cache: bool = True) -> compiler.KnowledgeBase:
    """Compile (or read from the cache) the built-in KB plus ``extra_dirs``; raises KBError."""
    dirs = [Path(d) for d in extra_dirs]
    if not use_cache:
        return compiler.compile_kb(dirs, builtin=builtin)
    path = cache_dir() / f"kb-{_fingerprint(dirs, builtin)}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    kb = compiler.compile_kb(dirs, builtin=builtin)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(kb, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a reader never sees half a cache file
    except OSError:
        pass  # a read-only home is no reason to fail
    return kb
