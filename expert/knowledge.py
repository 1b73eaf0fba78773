"""Which KB folders to load (built-in, ``--kb DIR``, ``[tool.dldoctor] kb`` in pyproject.toml), and a
cache of the compiled result keyed by every file's path, size and modification time.

The cache lives in ``$DLDOCTOR_CACHE_DIR`` or ``~/.cache/dldoctor`` (never in the user's project).  It is
plain JSON, validated when read (``expert.kb_cache``): a planted or damaged file is ignored and
rewritten, never run and never a traceback.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from dldoctor.expert import compiler, kb_cache
from dldoctor.expert.kb_files import FolderTooBig, yaml_files

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


MAX_CACHE_BYTES = 256 * 2**20  # a compiled 10,000-node KB is about 10 MB


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
            try:
                files = yaml_files(Path(root))
            except FolderTooBig:
                files = []  # the compiler reports it
            for f in files:
                try:
                    st = f.lstat()
                except OSError:
                    continue  # gone since the walk: the compiler reports it
                h.update(f"{f}:{st.st_mode}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


_LOADED: dict = {}  # cache path (folder + fingerprint) -> the KB read in this process: a second watch or diagnosis reads no file
_LOADED_MAX = 4


def _keep(key: str, kb):
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = kb
    return kb


def load_kb(extra_dirs=(), *, builtin: bool = True, use_cache: bool = True) -> compiler.KnowledgeBase:
    """Compile (or read from the cache) the built-in KB plus ``extra_dirs``; raises KBError."""
    dirs = [Path(d) for d in extra_dirs]
    if not use_cache:
        return compiler.compile_kb(dirs, builtin=builtin)
    fingerprint = _fingerprint(dirs, builtin)
    path = cache_dir() / f"kb-{fingerprint}.json"
    kb = _LOADED.get(str(path))
    if kb is not None:  # read in this process already, from the same files into the same cache (the key says so)
        return kb
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size <= MAX_CACHE_BYTES:
                return _keep(str(path), kb_cache.loads(f.read().decode("utf-8"), fingerprint))
    except (OSError, UnicodeDecodeError, kb_cache.CacheError):
        pass  # no cache, or not ours: compile and rewrite it
    kb = _keep(str(path), compiler.compile_kb(dirs, builtin=builtin))
    try:
        text = kb_cache.dumps(kb, fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)  # atomic: a reader never sees half a cache file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, kb_cache.CacheError):
        pass  # a read-only home (or an entry the cache cannot hold) is no reason to fail
    return kb
