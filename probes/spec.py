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
class Gate:
    """A probe whose bool finding, when true, stops the probes declared ``after`` it (the guide's order:
    get the model to run before anything that trains it)."""

    finding: str
    message: str  # why the probes after it do not run, e.g. "the model does not run"


@dataclass(frozen=True)
class Plot:
    """A picture of a probe's ``details`` for the TUI (``tui/plots.py`` draws each kind):

    series   details[y]: [number]                             one curve against its index
    columns  details[y]: {name: [number]} for ``names``       several curves against their index
    log_xy   details[x], details[y]: [number]; marks: findings drawn as vertical lines (log10 x)
    layers   details[y]: [{name, <value>}]                    one value per layer, log10
    bars     details[x]: [label]; details[y]: {split: [count]} counts per label, one series per split
    """

    kind: Literal["series", "columns", "log_xy", "layers", "bars"]
    title: str
    y: str
    x: str = ""
    names: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    value: str = ""  # the per-layer key, for ``layers``
    xlabel: str = ""
    ylabel: str = ""


@dataclass(frozen=True)
class ProbeSpec:
    """A probe's declaration.

    needs: subject keys that must be present (``model``, ``train_data``, ``loss_fn``, ``val_data``,
      ``test_data``, ``train_step``, ``history``, ``target_error``); a probe whose needs are
      missing is skipped.
    needs_any: at least one of these keys must be present (e.g. val_data or test_data).
    cost_s: typical seconds on a small model on 2 CPU cores (the engine's cost of asking).
    runs_model: True when the probe needs a model that runs: it then comes ``after`` probe ``runs``
      unless it declares its own ``after``.
    after: probes that must have run first; one whose ``gate`` holds stops this one.
    gate: see ``Gate``.
    external: fed by a file the user names (a watch record), never run on the target.
    report_section: the report's top-level key that carries this probe's findings and details.
    plots: what the TUI draws of its details (``Plot``).
    patterns_finding: a category finding whose values are the ``kind`` of the KB's crash patterns.
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
    after: tuple[str, ...] | None = None
    gate: Gate | None = None
    external: bool = False
    report_section: str | None = None
    plots: tuple[Plot, ...] = ()
    patterns_finding: str | None = None  # the category finding the KB's crash patterns (patterns.yaml) fill

    def __post_init__(self):
        if self.after is None:
            object.__setattr__(self, "after", ("runs",) if self.runs_model and self.id != "runs" else ())

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
