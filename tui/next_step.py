"""The next step: the engine's choice (a probe to run, with its cost, or a question with Yes / No /
Don't know / Skip), the running probe's progress with a cancel button, and the other steps to pick from."""
from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from dldoctor.expert.compiler import KnowledgeBase
from dldoctor.expert.engine import Action
from dldoctor.tui.messages import StepChosen

SHOWN = 12  # other steps listed (best first); the rest come up as the ranking changes


def label(a: Action, kb: KnowledgeBase) -> Text:
    t = Text()
    if a.kind == "probe":
        t.append("▷ run ", style="cyan")
        t.append(kb.probes[a.id].title)
        t.append(f"  ~{a.cost_s:g} s", style="dim")
    else:
        t.append("? ask ", style="magenta")
        t.append(kb.symptoms[a.id].question or kb.symptoms[a.id].title)
    return t


class NextStep(Vertical):
    """``show`` redraws it from the conversation's steps; buttons are handled by the app."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.actions: list[Action] = []

    def compose(self):
        yield Static(id="step-title")
        yield Static(id="step-body")
        with Horizontal(id="answer-buttons", classes="buttons"):
            yield Button(Text("Yes [y]"), id="yes", variant="error", compact=True)
            yield Button(Text("No [n]"), id="no", variant="success", compact=True)
            yield Button(Text("Don't know [d]"), id="unknown", compact=True)
            yield Button(Text("Skip [s]"), id="skip", compact=True)
        with Horizontal(id="probe-buttons", classes="buttons"):
            yield Button(Text("Run [r]"), id="run", variant="primary", compact=True)
            yield Button(Text("Run all probes [a]"), id="run-all", compact=True)
        with Horizontal(id="running"):
            yield Static(id="running-label")
            yield ProgressBar(id="progress", total=1.0, show_eta=False)
            yield Button(Text("Cancel [c]"), id="cancel", variant="warning", compact=True)
        yield Static(Text("Other steps (↑↓ enter to choose one):", style="dim"), id="alternatives-title")
        yield OptionList(id="alternatives")

    def show(self, kb: KnowledgeBase, actions: list[Action], chosen: Action | None, *, loading: bool = False,
             running: str | None = None, auto: bool = False) -> None:
        self.actions = [a for a in actions if a != chosen][:SHOWN]
        title, body = self.query_one("#step-title", Static), self.query_one("#step-body", Static)
        if chosen is None:
            msg = "Loading the target…" if loading else ("Probes are running…" if running else "Nothing left to check that could change the ranking.")
            title.update(Text(msg, style="bold"))
            body.update(Text("Export the diagnosis with [e], save the session with [ctrl+s]." if not (loading or running) else ""))
        elif chosen.kind == "probe":
            spec = kb.probes[chosen.id]
            title.update(Text.assemble(("Run probe ", "bold"), (spec.title, "bold cyan"), (f"  ~{chosen.cost_s:g} s", "dim")))
            body.update(Text(f"{chosen.id}: {spec.doc}", style="italic"))
        else:
            sym = kb.symptoms[chosen.id]
            title.update(Text.assemble(("Question  ", "bold magenta"), (sym.question or sym.title, "bold")))
            body.update(Text(f"{chosen.id}: {sym.title}", style="italic dim"))
        self.query_one("#answer-buttons").display = chosen is not None and chosen.kind == "question"
        self.query_one("#probe-buttons").display = chosen is not None and chosen.kind == "probe" and not running
        self.query_one("#running").display = running is not None
        if running:
            mode = "running all probes · " if auto else ""
            self.query_one("#running-label", Static).update(Text(f"{mode}{running}", style="bold cyan"))
        alts = self.query_one("#alternatives", OptionList)
        alts.clear_options()
        alts.add_options([Option(label(a, kb), id=f"{a.kind}:{a.id}") for a in self.actions])
        self.query_one("#alternatives-title").display = bool(self.actions)
        alts.display = bool(self.actions)

    def progress(self, probe: str, fraction: float, text: str = "") -> None:
        self.query_one("#progress", ProgressBar).update(progress=max(0.0, min(1.0, fraction)))
        self.query_one("#running-label", Static).update(Text(f"{probe} {text}".strip(), style="bold cyan"))

    def reset_progress(self) -> None:
        self.query_one("#progress", ProgressBar).update(progress=0.0)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "alternatives":
            event.stop()
            self.post_message(StepChosen(self.actions[event.option_index]))
