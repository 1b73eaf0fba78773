"""What the probes measured: one row per probe run, its status, time, and its findings in brief."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from dldoctor.tui.cause_detail import fmt

STATUS_STYLE = {"ok": "green", "failed": "red", "skipped": "dim"}


def table(records: dict) -> Table | Text:
    if not records:
        return Text("No probe has run yet.", style="dim italic")
    t = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    t.add_column("probe")
    t.add_column("status")
    t.add_column("s", justify="right")
    t.add_column("findings / message", ratio=1)
    for r in records.values():
        note = ", ".join(f"{k}={fmt(v)}" for k, v in r.findings.items() if v is not None) or r.message
        t.add_row(r.id, Text(r.status, style=STATUS_STYLE.get(r.status, "")), f"{r.seconds:.1f}", note)
    return t


class Measurements(VerticalScroll):
    def compose(self):
        yield Static(table({}), id="measurements-body")

    def show(self, records: dict) -> None:
        self.query_one("#measurements-body", Static).update(table(records))
