"""The help screen: what dldoctor's session is, and every key."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

ABOUT = ("dldoctor measures what it can on your model (probes), asks what only you know (questions), and "
         "ranks the causes that could explain a model that trains badly. The bars are beliefs between 0 and 1; "
         "┃ marks the report threshold. The next step is the one that tells causes apart best per second.")

NAVIGATION = (("tab / shift+tab", "move between panels"), ("↑ ↓", "select a cause or another step"),
              ("enter / click", "choose the highlighted step"), ("1 2 3", "cause · plots · measurements tab"))


def keys_table(bindings) -> Table:
    t = Table(box=None, pad_edge=False, show_header=False)
    t.add_column(style="bold cyan", min_width=16)
    t.add_column()
    for b in bindings:
        if b.description:
            t.add_row(b.key_display or b.key, b.description)
    for key, what in NAVIGATION:
        t.add_row(key, what)
    return t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Close"), ("question_mark", "dismiss", "Close"), ("q", "dismiss", "Close")]

    def __init__(self, bindings) -> None:
        super().__init__()
        self.keys = list(bindings)

    def compose(self):
        with VerticalScroll(id="help-box"):
            yield Static(Text("dldoctor — keys", style="bold"), id="help-title")
            yield Static(Text(ABOUT, style="italic"), id="help-about")
            yield Static(keys_table(self.keys), id="help-keys")
            yield Static(Text("escape, ? or q closes this screen", style="dim"))
