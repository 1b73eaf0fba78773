"""Messages between the app, its widgets and the worker threads (``post_message`` is thread-safe)."""
from __future__ import annotations

from textual.message import Message

from dldoctor.expert.engine import Action


class TargetLoaded(Message):
    """The worker loaded the target: the subject's keys, or the one-line reason it could not."""

    def __init__(self, keys: set[str] | None, error: str = "") -> None:
        super().__init__()
        self.keys, self.error = keys, error


class ProbeProgress(Message):
    def __init__(self, probe: str, fraction: float, text: str = "") -> None:
        super().__init__()
        self.probe, self.fraction, self.text = probe, fraction, text


class ProbeFinished(Message):
    """A probe's ``ProbeResult``, also for a failed or cancelled run."""

    def __init__(self, probe: str, result) -> None:
        super().__init__()
        self.probe, self.result = probe, result


class StepChosen(Message):
    """The person picked another step than the engine's first choice."""

    def __init__(self, action: Action) -> None:
        super().__init__()
        self.action = action
