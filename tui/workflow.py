"""The guide's workflow on one line, with where this diagnosis stands.

▶ the stage of the step on screen; ○ stages with steps still open; ✓ stages whose probes ran (a
stage without probes: a question of it answered) and nothing is left; dim: nothing to check there.
● marks the stage of the top cause once it passes the report threshold: where in the workflow the
problem lives.  The legend sits in the bar's border; a narrow terminal names only the current stage.
"""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


LEGEND = "▶ now · ○ to check · ✓ its probes ran · ● the problem's stage"


def line(stages: list[tuple[str, str]], status: dict[str, str], current: str | None, problem_stage: str | None = None,
         compact: bool = False) -> Text:
    out = Text()
    for i, (sid, title) in enumerate(stages):
        title = title.replace(" ", "\u00a0")  # a long workflow wraps between stages, not inside one
        if compact and sid != current:
            title = str(i + 1)
        if i:
            out.append(" → " if not compact else " ", style="dim")
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

    def show(self, stages, status: dict[str, str], current: str | None, problem_stage: str | None = None,
             compact: bool = False) -> None:
        self.update(line(stages, status, current, problem_stage, compact))
