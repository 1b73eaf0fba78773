"""One probe's result, typed: built once where the probe ran, serialised once (``to_json``).

Torch-free: the engine, the reports, the TUI and the worker protocol all use it.  ``from_json`` is the
only way back from plain data (the worker's pipe, a saved session): it checks every field's type, so a
hostile or truncated file gives a ``ValueError`` naming the field, never a half-built result.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

STATUSES = ("ok", "skipped", "failed")


@dataclass(frozen=True)
class ProbeResult:
    """status: ok (it measured), skipped (it did not run: why in ``message``), failed (it raised, timed out
    or was lost: the error in ``message``; a failed probe may still carry what it established).
    steps: the training steps the probe spent on the user's model (the report's ``probes[].steps``)."""

    id: str
    status: str = "skipped"
    seconds: float = 0.0
    message: str = ""
    findings: dict = field(default_factory=dict)
    confidence: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    notes: tuple = ()
    steps: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def skipped(cls, probe_id: str, why: str) -> "ProbeResult":
        return cls(probe_id, "skipped", message=why)

    @classmethod
    def failed(cls, probe_id: str, why: str, seconds: float = 0.0, **more) -> "ProbeResult":
        return cls(probe_id, "failed", round(seconds, 3), why, **more)

    def replace(self, **changes) -> "ProbeResult":
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        return {"id": self.id, "status": self.status, "seconds": self.seconds, "steps": self.steps, "message": self.message,
                "findings": self.findings, "confidence": self.confidence, "details": self.details, "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data) -> "ProbeResult":
        if not isinstance(data, dict):
            raise ValueError(f"a probe result must be an object, got {type(data).__name__}")
        kinds = {"id": str, "status": str, "seconds": (int, float), "message": str, "findings": dict, "confidence": dict,
                 "details": dict, "notes": list, "steps": int}
        unknown = set(data) - set(kinds)
        if unknown:
            raise ValueError(f"probe result: unknown key '{sorted(unknown)[0]}'")
        if not isinstance(data.get("id"), str):
            raise ValueError("probe result: 'id' must be a string")
        for key, kind in kinds.items():
            if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool) and kind is not str and key in ("seconds", "steps")):
                raise ValueError(f"probe result {data['id']!r}: '{key}' must be {getattr(kind, '__name__', 'a number')}")
        if data.get("status", "skipped") not in STATUSES:
            raise ValueError(f"probe result {data['id']!r}: unknown status {data['status']!r}")
        return cls(**{k: (tuple(v) if k == "notes" else v) for k, v in data.items()})
