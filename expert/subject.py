"""The thing to diagnose (the contract's *subject*), torch-free: plain attributes, checked on load."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable

REQUIRED = ("model", "train_data", "loss_fn")
OPTIONAL = ("optimizer", "train_step", "forward", "val_data", "test_data", "task", "num_classes", "history", "target_error",
            "search_space", "distributed")


@dataclass
class Subject:
    """A model, its data, loss and (optionally) optimizer, step, evaluation data and run history.

    ``base_dir`` is the target file's folder (a relative ``history`` path is read from there).
    """

    model: Any
    train_data: Iterable
    loss_fn: Callable
    optimizer: Any = None
    train_step: Callable | None = None
    forward: Callable | None = None
    val_data: Iterable | None = None
    test_data: Iterable | None = None
    task: str | None = None
    num_classes: int | None = None
    history: Any = None
    target_error: float | None = None
    search_space: dict | None = None  # for `dldoctor tune`: {"name": spec, ..., "build": build(params) -> subject}
    distributed: dict | None = None  # {"world_size": N}: probe `distributed` starts N ranks (probes/distributed.py)
    base_dir: str | None = None
    source: str | None = None  # the target spec it was loaded from (the distributed probe loads it in each rank)

    def keys(self) -> set[str]:
        """Subject keys that are set (what probes' ``needs`` are matched against)."""
        return {f.name for f in fields(self) if f.name not in ("base_dir", "source") and getattr(self, f.name) is not None}

    @classmethod
    def from_mapping(cls, data: dict, base_dir: str | None = None) -> "Subject":
        known = set(REQUIRED) | set(OPTIONAL)
        unknown = sorted(set(data) - known)
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"unknown key '{unknown[0]}'{hint}")
        missing = [k for k in REQUIRED if data.get(k) is None]
        if missing:
            raise ValueError(f"required key '{missing[0]}' is missing")
        return cls(**data, base_dir=base_dir)
