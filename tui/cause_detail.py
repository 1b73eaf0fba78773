"""The selected cause: the evidence that moved it (with the measured values), its mechanism, the
remedies in order with their steps, and references."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from dldoctor.expert.compiler import KnowledgeBase
from dldoctor.expert.engine import Belief


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return "—" if v is None else str(v)


def _hanging(rows) -> Table:
    """A two-column grid: a short left cell, and text that wraps under itself."""
    t = Table.grid(padding=(0, 1), expand=True)
    t.add_column(justify="right", no_wrap=True)
    t.add_column(ratio=1)
    for left, right in rows:
        t.add_row(left, right)
    return t


def evidence(b: Belief, kb: KnowledgeBase, records: dict | None = None):
    """One entry per contribution, largest first: its log-odds change, the symptom, what was measured
    in the reader's units (the KB's wording, as in the report) and by what."""
    from dldoctor.expert import explain

    if not b.contributions:
        return Text("Nothing observed yet moves this cause: it sits at its prior.", style="italic dim")
    rows = []
    for c in b.contributions:
        title = kb.symptoms[c.symptom].title if c.symptom in kb.symptoms else c.symptom
        how = "answered" if c.source == "answer" else f"measured by {c.source}" if c.source else "given"
        right = Text(title)
        record = (records or {}).get(c.source) if c.source != "answer" else None
        said = explain.line(kb.symptoms[c.symptom], c.observed, record, c.finding, c.threshold, c.operator) if record is not None and c.symptom in kb.symptoms \
            else f"observed {fmt(c.observed)}"
        right.append(f"\n{'present' if c.present else 'absent'} · {said} · {how}", style="dim")
        rows.append((Text(f"{c.delta:+.1f}", style="bold red" if c.delta > 0 else "bold green"), right))
    return _hanging(rows)


def remedies(cause, kb: KnowledgeBase):
    rows = []
    for i, rid in enumerate(cause.remedies, 1):
        r = kb.remedies.get(rid)
        if r is not None:
            right = Text(r.title, style="bold")
            right.append(f"  ({r.cost})", style="dim")
            for step in r.steps:
                right.append(f"\n• {step}")
            rows.append((Text(f"{i}."), right))
    return _hanging(rows)


def body(b: Belief, kb: KnowledgeBase, threshold: float, records: dict | None = None):
    c = kb.causes[b.cause]
    head = Text()
    head.append(c.title, style="bold")
    head.append(f"  ({c.id})\n", style="dim")
    verdict = "above the report threshold" if b.score >= threshold else "below the report threshold"
    head.append(f"belief {b.score:.2f} · prior {b.prior:.2f} · {verdict} {threshold:g} · {c.group} · stage {c.stage}\n")
    head.append(c.summary, style="italic")
    parts = [head, Text("\nEvidence that moved it", style="bold underline"), evidence(b, kb, records),
             Text("\nMechanism", style="bold underline"), Text(c.mechanism.strip()),
             Text("\nWhat to do, in order", style="bold underline"), remedies(c, kb)]
    refs = list(c.references) + [ref for rid in c.remedies if rid in kb.remedies for ref in kb.remedies[rid].references]
    if refs:
        parts.append(Text("\nReferences", style="bold underline"))
        parts.append(Text("\n".join(f"• {r.title}" + (f" — {r.url}" if r.url else "") for r in refs)))
    return Group(*parts)


class CauseDetail(VerticalScroll):
    """Scrollable panel; ``show`` replaces its content."""

    def compose(self):
        yield Static(Text("No cause selected.", style="dim"), id="cause-body")

    def show(self, b: Belief | None, kb: KnowledgeBase, threshold: float, records: dict | None = None) -> None:
        static = self.query_one("#cause-body", Static)
        static.update(body(b, kb, threshold, records) if b is not None else Text("No cause selected.", style="dim"))
