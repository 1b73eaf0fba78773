"""Loads a target (``file.py``, ``file.py:function`` or ``module:function``) into a checked Subject.

Every way a target can be unusable raises ``TargetError`` with one line that names the target and
what is wrong; the CLI turns it into exit code 2.  A model that crashes when *run* is not an error
here: that is evidence for the diagnosis.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import sysconfig
import traceback
from collections.abc import Iterator
from pathlib import Path

from dldoctor.expert.subject import REQUIRED, Subject

_OURS = str(Path(__file__).resolve().parent) + os.sep
_LIBRARIES = {sysconfig.get_paths()[k] + os.sep for k in ("stdlib", "platstdlib", "purelib", "platlib")}


WORLD_SIZE_ENV = "DLDOCTOR_WORLD_SIZE"  # set by --world-size for the worker that loads the target
MAX_WORLD = 16  # ranks dldoctor starts on one machine's CPUs


class TargetError(Exception):
    """A target that cannot be used; ``str()`` is the one-line reason."""


def split_spec(spec: str) -> tuple[str, str]:
    """'path/x.py:make' -> ('path/x.py', 'make'); without ':function' the function is 'subject'."""
    head, sep, func = spec.rpartition(":")
    if sep and head and func:
        return head, func
    return spec, "subject"


def _user_frame(exc: BaseException, folder: str | None) -> str:
    """`` (at file:line)`` for the last frame of the user's code in the traceback: a file under the
    target's folder, else the last frame outside dldoctor, the standard library and installed packages."""
    frames = traceback.extract_tb(exc.__traceback__)

    def theirs(f) -> bool:
        path = os.path.abspath(f.filename)
        return not (path.startswith(_OURS) or f.filename.startswith("<") or "importlib" in path
                    or any(path.startswith(p) for p in _LIBRARIES) or "-packages" + os.sep in path)

    mine = [f for f in frames if folder and os.path.abspath(f.filename).startswith(folder + os.sep)
            and not os.path.abspath(f.filename).startswith(_OURS)]
    mine = mine or [f for f in frames if theirs(f)]
    if not mine:
        return ""
    f = mine[-1]
    return f" (at {_shown(f.filename)}:{f.lineno})"


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith(".." + os.sep + "..") else rel


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _import_file(path: Path, spec: str):
    if not path.exists():
        raise TargetError(f"{spec}: file not found")
    if path.suffix != ".py":
        raise TargetError(f"{spec}: a target file must be a .py file")
    name = f"dldoctor_target_{abs(hash(str(path.resolve()))) & 0xFFFFFFFF:x}"
    mod_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(mod_spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        sys.modules[name] = module
        mod_spec.loader.exec_module(module)
    except SyntaxError as exc:
        other = exc.filename and os.path.abspath(exc.filename) != str(path.resolve())
        where = f" in {_shown(exc.filename)}" if other else ""
        raise TargetError(f"{spec}: syntax error{where} at line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"{spec}: importing it raised {_reason(exc)}{_user_frame(exc, folder)}") from None
    finally:
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
    return module, folder


def _import_module(name: str, spec: str):
    here = os.getcwd()  # `pkg.mod:fn` from the project's folder, as `python -m` finds it; last, so it shadows nothing
    if here not in sys.path:
        sys.path.append(here)
    try:
        return importlib.import_module(name), None
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise TargetError(f"{spec}: no file or module named '{name}'") from None
        raise TargetError(f"{spec}: importing it raised {_reason(exc)}{_user_frame(exc, None)}") from None
    except SyntaxError as exc:
        raise TargetError(f"{spec}: syntax error in {_shown(exc.filename)} at line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"{spec}: importing it raised {_reason(exc)}{_user_frame(exc, None)}") from None


def load(spec: str) -> Subject:
    """Import the target, call its function and check the subject it returns."""
    where, func_name = split_spec(spec)
    path = Path(where)
    if where.endswith(".py") or path.exists() or os.sep in where:
        module, base_dir = _import_file(path, spec)
    else:
        module, base_dir = _import_module(where, spec)
        base_dir = str(Path(module.__file__).parent) if getattr(module, "__file__", None) else None
    func = getattr(module, func_name, None)
    if func is None:
        choices = [n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_")]
        import difflib

        close = difflib.get_close_matches(func_name, choices, n=1)
        hint = f" — did you mean '{close[0]}'?" if close else (f" — functions there: {', '.join(choices[:5])}" if choices else "")
        raise TargetError(f"{spec}: no function '{func_name}'{hint}")
    if not callable(func):
        raise TargetError(f"{spec}: '{func_name}' is not a function")
    try:
        sig = inspect.signature(func)
        required = [p for p in sig.parameters.values() if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if required:
            raise TargetError(f"{spec}: '{func_name}' must take no arguments, it takes {', '.join(p.name for p in required)}")
    except (TypeError, ValueError):
        pass
    try:
        value = func()
    except TargetError:
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"{spec}: {func_name}() raised {_reason(exc)}{_user_frame(exc, base_dir)}") from None
    if not isinstance(value, (dict, Subject)):
        raise TargetError(f"{spec}: {func_name}() returned {type(value).__name__}; it must return a dict or a Subject")
    subject = to_subject(value, spec, base_dir)
    subject.source = spec
    world = os.environ.get(WORLD_SIZE_ENV)  # dldoctor diagnose TARGET --world-size N
    if world:
        subject.distributed = {**(subject.distributed or {}), "world_size": int(world)}
        check_distributed(subject.distributed, f"{spec} (--world-size)")
    return subject


def to_subject(value, spec: str = "subject", base_dir: str | None = None) -> Subject:
    """A Subject (or a dict with its keys) -> a checked Subject."""
    if isinstance(value, Subject):
        subject = value
        if subject.base_dir is None:
            subject.base_dir = base_dir
    elif isinstance(value, dict):
        try:
            subject = Subject.from_mapping(value, base_dir)
        except ValueError as exc:
            raise TargetError(f"{spec}: {exc}") from None
    else:
        raise TargetError(f"{spec}: the function must return a dict or a Subject, got {type(value).__name__}")
    check(subject, spec)
    return subject


def check(subject: Subject, spec: str) -> None:
    """Type checks that need torch (imported here: the target has imported it already)."""
    import torch

    if not torch.is_grad_enabled():
        raise TargetError(f"{spec}: autograd is switched off (torch.set_grad_enabled(False), or a torch.no_grad() "
                          "entered and never left, at import or in the function): no probe could train — switch it "
                          "back on before returning (torch.set_grad_enabled(True))")
    missing = [k for k in REQUIRED if getattr(subject, k) is None]
    if missing:
        raise TargetError(f"{spec}: required key '{missing[0]}' is missing")
    for key in ("model", "loss_fn"):
        v = getattr(subject, key)
        if isinstance(v, type) and issubclass(v, torch.nn.Module):
            raise TargetError(f"{spec}: '{key}' is the class {v.__name__}, not an instance — write {v.__name__}(...)")
    if not isinstance(subject.model, torch.nn.Module):
        raise TargetError(f"{spec}: 'model' must be a torch.nn.Module, got {type(subject.model).__name__}")
    if not callable(subject.loss_fn):
        raise TargetError(f"{spec}: 'loss_fn' must be callable, got {type(subject.loss_fn).__name__}")
    for key in ("train_step", "forward"):
        v = getattr(subject, key)
        if v is not None and not callable(v):
            raise TargetError(f"{spec}: '{key}' must be callable, got {type(v).__name__}")
    opt = subject.optimizer
    if opt is not None and not (isinstance(opt, torch.optim.Optimizer) or callable(opt)):
        raise TargetError(f"{spec}: 'optimizer' must be an optimizer or a callable that builds one, got {type(opt).__name__}")
    if subject.task is not None and subject.task not in ("classification", "regression"):
        raise TargetError(f"{spec}: 'task' must be 'classification' or 'regression', got {subject.task!r}")
    if subject.num_classes is not None and (not isinstance(subject.num_classes, int) or subject.num_classes < 1):
        raise TargetError(f"{spec}: 'num_classes' must be a positive integer, got {subject.num_classes!r}")
    if subject.target_error is not None and not isinstance(subject.target_error, (int, float)):
        raise TargetError(f"{spec}: 'target_error' must be a number, got {type(subject.target_error).__name__}")
    if subject.history is not None and not isinstance(subject.history, (str, os.PathLike, dict)):
        raise TargetError(f"{spec}: 'history' must be a file path or a dict of lists, got {type(subject.history).__name__}")
    if subject.distributed is not None:
        check_distributed(subject.distributed, spec)
    for key in ("train_data", "val_data", "test_data"):
        data = getattr(subject, key)
        if data is not None:
            _check_loader(data, key, spec)


def check_distributed(value, spec: str) -> None:
    """``distributed`` is ``{"world_size": N}`` with N >= 2 (one rank has nothing to compare)."""
    if not isinstance(value, dict):
        raise TargetError(f"{spec}: 'distributed' must be a dict such as {{\"world_size\": 2}}, got {type(value).__name__}")
    unknown = sorted(set(value) - {"world_size"})
    if unknown:
        raise TargetError(f"{spec}: 'distributed' has an unknown key '{unknown[0]}' (known: world_size)")
    n = value.get("world_size")
    if not isinstance(n, int) or isinstance(n, bool) or not 2 <= n <= MAX_WORLD:
        raise TargetError(f"{spec}: 'distributed' world_size must be an integer from 2 to {MAX_WORLD}, got {n!r}")


def _check_loader(data, key: str, spec: str) -> None:
    import torch

    from dldoctor.probes.snapshot import rng_preserved

    if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise TargetError(f"{spec}: '{key}' must be an iterable of (inputs, targets) batches, got {type(data).__name__}")
    if isinstance(data, Iterator):  # reading its first batch here would take it from the probes
        raise TargetError(f"{spec}: '{key}' is a one-shot iterator ({type(data).__name__}); probes read the data "
                          "several times — give a DataLoader or a list of batches")
    from torch.utils.data import DataLoader

    if not isinstance(data, DataLoader):  # (persistent workers: a DataLoader reuses its iterator)
        first, second = iter(data), iter(data)
        if first is second:  # its __iter__ hands out one iterator: read once, then empty
            raise TargetError(f"{spec}: '{key}' is iterable only once (its __iter__ returns the same "
                              f"{type(first).__name__} each time); probes read the data several times — "
                              "give a DataLoader, a list of batches, or an __iter__ that starts afresh")
        del first, second
    with rng_preserved(data):  # reading a shuffling loader draws from the global RNG, or from its own generator
        it = iter(data)
        try:
            batch = next(it)
        except StopIteration:
            raise TargetError(f"{spec}: '{key}' is empty — it yields no batch") from None
        except Exception as exc:
            raise TargetError(f"{spec}: reading the first batch of '{key}' raised {_reason(exc)}") from None
        finally:
            del it
    if isinstance(batch, dict):
        raise TargetError(f"{spec}: '{key}' yields dicts (keys {', '.join(map(str, list(batch)[:4]))}); a batch must be (inputs, targets) — e.g. a collate_fn that returns (b['x'], b['y'])")
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TargetError(f"{spec}: '{key}' yields {type(batch).__name__}; a batch must be (inputs, targets)")
    x, y = batch[0], batch[1]
    if torch.is_tensor(x) and torch.is_tensor(y) and x.dim() > 0 and y.dim() > 0 and x.shape[0] != y.shape[0]:
        raise TargetError(f"{spec}: '{key}' yields inputs and targets of different lengths ({x.shape[0]} and {y.shape[0]})")
