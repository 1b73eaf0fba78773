"""Plots where a person would rather look than read, drawn from the probe results' ``details``.

What to draw is declared by each probe (``ProbeSpec.plots``: ``probes.spec.Plot``, whose docstring lists
the kinds and the details keys each reads); this module draws each kind.  Every key is optional: a plot
whose data are missing or malformed is simply not drawn.
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


def _ok(records: dict, pid: str):
    r = records.get(pid)
    return r if r is not None and r.ok and isinstance(r.details, dict) else None


def specs(records: dict, probes: dict | None = None) -> list[PlotSpec]:
    """Every plot the records have data for, in the probes' declared order."""
    if probes is None:
        from dldoctor.probes.registry import catalog

        probes = catalog()
    out = []
    for pid, spec in probes.items():
        r = _ok(records, pid)
        for plot in (spec.plots if r else ()):
            drawn = _KINDS[plot.kind](pid, plot, r.details, r.findings)
            if drawn is not None:
                out.append(drawn)
    return out


def _series(pid, plot, d, f):
    ys = _numbers(d.get(plot.y))
    x, y = _finite(list(range(len(ys))), ys) if ys else ([], [])
    return PlotSpec(pid, plot.title, "line", [(plot.ylabel or plot.y, x, y)], plot.xlabel, plot.ylabel) if y else None


def _columns(pid, plot, d, f):
    src = d.get(plot.y) if isinstance(d.get(plot.y), dict) else d
    series = []
    for name in plot.names:
        ys = _numbers(src.get(name))
        if ys:
            x, y = _finite(list(range(len(ys))), ys)
            if y:
                series.append((name, x, y))
    return PlotSpec(pid, plot.title, "line", series, plot.xlabel, plot.ylabel) if series else None


def _log_xy(pid, plot, d, f):
    xs, ys = _numbers(d.get(plot.x)), _numbers(d.get(plot.y))
    if not xs or not ys or len(xs) != len(ys):
        return None
    x, y = _finite(xs, ys)
    x, y = zip(*[(a, b) for a, b in zip(x, y) if a > 0]) if any(a > 0 for a in x) else ((), ())
    if not y:
        return None
    marks = [(math.log10(f[k]), k) for k in plot.marks if _positive(f.get(k))]
    logx = [math.log10(a) for a in x]
    ticks = [(float(e), f"1e{e}") for e in range(math.floor(min(logx)), math.ceil(max(logx)) + 1)]
    return PlotSpec(pid, plot.title, "line", [(plot.ylabel or plot.y, logx, list(y))], plot.xlabel, plot.ylabel, vlines=marks, xticks=ticks)


def _layers(pid, plot, d, f):
    layers = d.get(plot.y)
    rows = [(str(row.get("name", "?"))[-12:], row.get(plot.value)) for row in (layers if isinstance(layers, list) else [])
            if isinstance(row, dict) and "name" in row]
    logs = [math.log10(g) for _, g in rows if _positive(g)]
    if not logs:
        return None
    floor = math.floor(min(logs)) - 1.0  # layers with no value (frozen, cut off) sit below the rest
    values = [math.log10(g) if _positive(g) else floor for _, g in rows]
    return PlotSpec(pid, f"{plot.title} (log10; {floor:g}: none)", "line", [(plot.ylabel, list(range(len(rows))), values)],
                    plot.xlabel, plot.ylabel, xticks=[(float(i), n) for i, (n, _) in enumerate(rows)])


def _bars(pid, plot, d, f):
    labels, counts = d.get(plot.x), d.get(plot.y)
    if not (isinstance(labels, list) and labels and isinstance(counts, dict)):
        return None
    series = [(str(split), [str(c) for c in labels], ys) for split, v in counts.items() if (ys := _numbers(v)) and len(ys) == len(labels)]
    return PlotSpec(pid, plot.title, "bar", series, plot.xlabel, plot.ylabel) if series else None


_KINDS = {"series": _series, "columns": _columns, "log_xy": _log_xy, "layers": _layers, "bars": _bars}


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
            plt.plot(x, y, label=label if len(spec.series) > 1 else None, marker="dot" if spec.xticks and not spec.vlines else None)
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
