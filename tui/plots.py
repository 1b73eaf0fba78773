"""Plots where a person would rather look than read, drawn from the probe results' ``details``.

Keys read (every one optional; a plot whose data are missing or malformed is simply not drawn):
  overfit-one-batch  details.losses: [float]                     loss per step on one batch
  history            details.columns.{train_loss, val_loss, train_error, val_error}: [float]
                     (or under details.curves, or at the top)     the curves of a run already made
  lr-range           details.lrs, details.losses: [float]; findings.configured_lr, best_lr
  grad-flow          details.layers: [{name, grad_norm}]          gradient norm per layer (log10)
  class-balance      details.classes: [label]; details.counts: {split: [count per class]}
``textual_plotext`` is imported only when a plot is drawn (startup stays fast).  No plotext log scale:
it transforms the data in place, so a second render fails; log axes are drawn as log10 values with ticks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

HISTORY_CURVES = ("train_loss", "val_loss", "train_error", "val_error")


@dataclass
class PlotSpec:
    key: str  # the probe id it is drawn from
    title: str
    kind: str  # "line" or "bar"
    series: list[tuple[str, list, list]] = field(default_factory=list)  # (label, x, y)
    xlabel: str = ""
    ylabel: str = ""
    vlines: list[tuple[float, str]] = field(default_factory=list)  # (x, label) marked with a vertical line
    xticks: list[tuple[float, str]] = field(default_factory=list)  # (x, label); a log axis is drawn as log10 x with ticks


def _numbers(v) -> list[float] | None:
    """A list of numbers, None (a gap: NaN, Inf or not logged) as NaN; None when it is not such a list."""
    if not isinstance(v, (list, tuple)) or not v:
        return None
    out = []
    for x in v:
        if x is None:
            out.append(float("nan"))
        elif isinstance(x, bool) or not isinstance(x, (int, float)):
            return None
        else:
            out.append(float(x) if math.isfinite(x) else float("nan"))
    return out


def _finite(xs, ys):
    """The finite points; none when fewer than two are left (no curve to draw)."""
    pairs = [(x, y) for x, y in zip(xs, ys) if math.isfinite(x) and math.isfinite(y)]
    if len(pairs) < 2:
        return [], []
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _positive(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def _ok(records: dict, pid: str) -> dict | None:
    r = records.get(pid)
    return r if isinstance(r, dict) and r.get("status") == "ok" and isinstance(r.get("details"), dict) else None


def specs(records: dict) -> list[PlotSpec]:
    """Every plot the records have data for, in a fixed order."""
    out = []
    if r := _ok(records, "overfit-one-batch"):
        ys = _numbers(r["details"].get("losses"))
        if ys:
            x, y = _finite(list(range(len(ys))), ys)
            if y:
                out.append(PlotSpec("overfit-one-batch", "Overfitting one batch: loss per step", "line", [("loss", x, y)], "step", "loss"))
    if r := _ok(records, "history"):
        d = r["details"]
        src = next((d[k] for k in ("columns", "curves") if isinstance(d.get(k), dict)), d)
        series = []
        for name in HISTORY_CURVES:
            ys = _numbers(src.get(name))
            if ys:
                x, y = _finite(list(range(len(ys))), ys)
                if y:
                    series.append((name, x, y))
        if series:
            out.append(PlotSpec("history", "The run's curves", "line", series, "epoch / logged step"))
    if r := _ok(records, "lr-range"):
        lrs, losses = _numbers(r["details"].get("lrs")), _numbers(r["details"].get("losses"))
        if lrs and losses and len(lrs) == len(losses):
            x, y = _finite(lrs, losses)
            x, y = zip(*[(a, b) for a, b in zip(x, y) if a > 0]) if any(a > 0 for a in x) else ((), ())
            if y:
                f = r.get("findings", {})
                marks = [(math.log10(f[k]), k) for k in ("configured_lr", "best_lr")
                         if isinstance(f.get(k), (int, float)) and not isinstance(f[k], bool) and f[k] > 0]
                logx = [math.log10(a) for a in x]
                ticks = [(float(e), f"1e{e}") for e in range(math.floor(min(logx)), math.ceil(max(logx)) + 1)]
                out.append(PlotSpec("lr-range", "Learning-rate range test", "line", [("loss", logx, list(y))],
                                    "learning rate", "loss", vlines=marks, xticks=ticks))
    if r := _ok(records, "grad-flow"):
        layers = r["details"].get("layers")
        rows = [(str(row.get("name", "?"))[-12:], row.get("grad_norm")) for row in (layers if isinstance(layers, list) else [])
                if isinstance(row, dict) and "name" in row]
        logs = [math.log10(g) for _, g in rows if _positive(g)]
        if logs:
            floor = math.floor(min(logs)) - 1.0  # layers with no gradient (frozen, cut off) sit below the rest
            values = [math.log10(g) if _positive(g) else floor for _, g in rows]
            out.append(PlotSpec("grad-flow", f"Gradient norm per layer (log10; {floor:g}: no gradient)", "line",
                                [("log10 grad norm", list(range(len(rows))), values)], "layer", "log10 norm",
                                xticks=[(float(i), n) for i, (n, _) in enumerate(rows)]))
    if r := _ok(records, "class-balance"):
        classes, counts = r["details"].get("classes"), r["details"].get("counts")
        if isinstance(classes, list) and classes and isinstance(counts, dict):
            series = [(str(split), [str(c) for c in classes], ys) for split, v in counts.items()
                      if (ys := _numbers(v)) and len(ys) == len(classes)]
            if series:
                out.append(PlotSpec("class-balance", "Examples per class", "bar", series, "class", "count"))
    return out


def draw(plt, spec: PlotSpec) -> None:
    """Configure a plotext ``plt`` (textual_plotext's Plot) for one spec."""
    plt.clear_figure()
    plt.title(spec.title)
    if spec.kind == "bar":
        if len(spec.series) == 1:
            label, x, y = spec.series[0]
            plt.bar(x, y)
        else:
            plt.multiple_bar(spec.series[0][1], [s[2] for s in spec.series], labels=[s[0] for s in spec.series])
    else:
        for label, x, y in spec.series:
            plt.plot(x, y, label=label if len(spec.series) > 1 else None, marker="dot" if spec.key == "grad-flow" else None)
        if spec.xticks:
            plt.xticks([t[0] for t in spec.xticks], [t[1] for t in spec.xticks])
        for value, name in spec.vlines:
            plt.vline(value)
            plt.text(name, value, max(spec.series[0][2]))
    plt.xlabel(spec.xlabel)
    plt.ylabel(spec.ylabel)


class Plots(VerticalScroll):
    """One plot per probe result that has curves or tables; redrawn only when the set changes."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._drawn: list[tuple] = []  # (probe id, the record drawn), in the order shown

    def compose(self):
        yield Static(Text("No plots yet: run overfit-one-batch, lr-range, grad-flow, class-balance or history.",
                          style="dim italic"), id="plots-empty")

    def show(self, records: dict) -> None:
        found = specs(records)
        drawn = [(s.key, records.get(s.key)) for s in found]
        if [(k, id(r)) for k, r in drawn] == [(k, id(r)) for k, r in self._drawn]:
            return
        self._drawn = drawn
        self.query(".plot").remove()
        self.query_one("#plots-empty").display = not found
        if found:
            widget = _safe_plot()
            plots = []
            for s in found:
                plots.append(widget(classes=f"plot plot-{s.key}"))
                draw(plots[-1].plt, s)
            self.mount_all(plots)


@lru_cache(maxsize=1)
def _safe_plot():
    """textual_plotext's widget (imported on first use), drawing a one-line note instead of failing on odd data."""
    from textual_plotext import PlotextPlot

    class SafePlot(PlotextPlot):
        def render(self):
            try:
                return super().render()
            except (ValueError, ArithmeticError, IndexError) as exc:
                return Text(f"cannot draw this plot: {type(exc).__name__}: {exc}", style="dim italic")

    return SafePlot
