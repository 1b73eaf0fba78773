"""The guide's workflow on one line, with where this diagnosis stands.

▶ the stage of the step on screen; ○ stages with steps still open; ✓ stages where something was
observed and nothing is left; dim: nothing to check there.  ● marks the stage of the top cause once
it passes the report threshold: where in the workflow the problem lives.
"""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def line(stages: list[tuple[str, str]], status: dict[str, str], current: str | None, problem_stage: str | None = None) -> Text:
    out = Text()
    for i, (sid, title) in enumerate(stages):
        title = title.replace(" ", "\u00a0")  # a long workflow wraps between stages, not inside one
        if i:
            out.append(" → ", style="dim")
        state = status.get(sid, "idle")
        if sid == current:
            out.append(f"▶ {title}", style="bold reverse")
        elif state == "open":
            out.append(f"○ {title}")
        elif state == "done":
            out.append(f"✓ {title}", style="green")
        else:
            out.append(title, style="dim")
        if sid == problem_stage:
            out.append(" ●", style="bold red")
    if current is None and "open" not in status.values():
        out.append("   · nothing left to check that could change the ranking", style="italic")
    return out


class WorkflowBar(Static):
    """Start simple → implement and debug → evaluate → improve → tune."""

    def show(self, stages, status: dict[str, str], current: str | None, problem_stage: str | None = None) -> None:
        self.update(line(stages, status, current, problem_stage))
