"""What a probe gets besides the subject: seed, KB crash patterns, budgets, a shared cache, progress."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class ProbeContext:
    seed: int = 0
    patterns: list = field(default_factory=list)  # [(failure kind, regex)] from the KB's patterns.yaml
    memory_budget_mb: float | None = None  # --memory-budget; None: the device's memory
    deadline: float | None = None  # time.monotonic() by which the probe should return
    cache: dict = field(default_factory=dict)  # shared by the probes of one worker (e.g. collected data)
    on_progress: Callable[[float, str], None] | None = None

    def time_left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def progress(self, fraction: float, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(fraction, message)
