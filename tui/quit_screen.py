"""Asked on quit when answers are unsaved: save them, quit without saving, or stay."""
from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class QuitScreen(ModalScreen[str]):
    """Dismisses with "save", "discard" or "cancel"."""

    BINDINGS = [("s", "choose('save')", "Save and quit"), ("y", "choose('save')", "Save and quit"),
                ("n", "choose('discard')", "Quit without saving"), ("d", "choose('discard')", "Quit without saving"),
                ("escape", "choose('cancel')", "Stay"), ("c", "choose('cancel')", "Stay")]

    def compose(self):
        with Vertical(id="quit-box"):
            yield Static("Your answers are not saved. Save the session before quitting?", id="quit-question")
            with Horizontal(classes="buttons"):
                yield Button(Text("Save and quit [s]"), id="save", variant="primary", compact=True)
                yield Button(Text("Quit without saving [n]"), id="discard", variant="error", compact=True)
                yield Button(Text("Stay [esc]"), id="cancel", compact=True)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id)
