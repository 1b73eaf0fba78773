"""What a probe declares: its id, what it needs from the subject, its cost and its typed findings.

Declarations are torch-free so that the KB compiler (``dldoctor kb check``) can check symptom
references against them without importing PyTorch.  A probe module holds ``SPEC`` and
``measure(subject, ctx) -> dict``; ``measure`` imports torch itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FindingKind = Literal["number", "bool", "category", "text"]


@dataclass(frozen=True)
class Finding:
    """One typed value a probe reports; ``None`` at run time means 'not applicable / unknown'."""

    name: str
    kind: FindingKind
    doc: str
    values: tuple[str, ...] = ()  # allowed values of a category
    unit: str = ""


@dataclass(frozen=True)
class ProbeSpec:
    """A probe's declaration.

    needs: subject keys that must be present (``model``, ``train_data``, ``loss_fn``, ``val_data``,
      ``test_data``, ``train_step``, ``history``, ``target_error``); a probe whose needs are
      missing is skipped.
    needs_any: at least one of these keys must be present (e.g. val_data or test_data).
    cost_s: typical seconds on a small model on 2 CPU cores (the engine's cost of asking).
    runs_model: True when the probe needs a model that runs (skipped when probe 'runs' crashed).
    """

    id: str
    title: str
    needs: tuple[str, ...]
    cost_s: float
    findings: tuple[Finding, ...]
    needs_any: tuple[str, ...] = ()
    runs_model: bool = True
    stage: str = "implement-and-debug"
    doc: str = ""

    def finding(self, name: str) -> Finding | None:
        return next((f for f in self.findings if f.name == name), None)


@dataclass
class Measurement:
    """What ``measure`` returns: plain data only (it crosses a process boundary as JSON).

    findings: name -> value (number, bool, str or None), one entry per declared finding.
    confidence: name -> 0..1 for findings the probe is unsure of (default 1).
    details: plain data for rendering (curves, per-layer tables, examples).
    """

    findings: dict
    confidence: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
