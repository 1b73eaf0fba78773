"""The ranked causes, each with its belief as a bar on which the report threshold is marked (┃)."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from dldoctor.expert.compiler import KnowledgeBase
from dldoctor.expert.engine import Belief

BAR = 20


def bar(score: float, threshold: float, width: int = BAR) -> Text:
    """``width`` cells of belief, the threshold cell drawn as ┃."""
    full = int(round(max(0.0, min(1.0, score)) * width))
    mark = min(width - 1, int(round(threshold * width)))
    color = "red" if score >= threshold else ("yellow" if score >= threshold / 2 else "grey50")
    out = Text()
    for i in range(width):
        if i == mark:
            out.append("┃", style="bold white" if i < full else "bold")
        else:
            out.append("█" if i < full else "░", style=color if i < full else "grey30")
    return out


def row(rank: int, b: Belief, kb: KnowledgeBase, threshold: float, width: int = BAR) -> Text:
    """rank, bar, belief and title on one line (a long title ends in …; the detail panel has it whole)."""
    t = Text(f"{rank:>2} ", no_wrap=True, overflow="ellipsis")
    t.append_text(bar(b.score, threshold, width))
    t.append(f" {b.score:.2f} ", style="bold" if b.score >= threshold else "")
    t.append(kb.causes[b.cause].title)
    return t


class CauseList(OptionList):
    """Highest belief first; the highlighted cause is shown in the detail panel."""

    bar_width = BAR  # the app narrows the bars on a narrow terminal, so the names stay readable

    def show(self, beliefs: list[Belief], kb: KnowledgeBase, threshold: float, select: str | None = None) -> None:
        self.clear_options()
        self.add_options([Option(row(i, b, kb, threshold, self.bar_width), id=b.cause) for i, b in enumerate(beliefs, 1)])
        ids = [b.cause for b in beliefs]
        if ids:
            self.highlighted = ids.index(select) if select in ids else 0

    @property
    def selected_cause(self) -> str | None:
        if self.highlighted is None or self.option_count == 0:
            return None
        return self.get_option_at_index(self.highlighted).id
