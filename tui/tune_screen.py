"""The result of `dldoctor tune` in the app: best beside as given, the line to paste, the trials, and a
plot of the validation metric against the learning rate (log10 axis, pruned trials at their last check)."""
from __future__ import annotations

import math

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def lr_points(summary: dict) -> tuple[list[float], list[float]]:
    """(log10 lr, metric) of every trial that has both, finite."""
    metric, xs, ys = summary.get("metric"), [], []
    for t in summary.get("trials", []):
        lr, v = t.get("params", {}).get("lr"), t.get(metric)
        if isinstance(lr, (int, float)) and lr > 0 and isinstance(v, (int, float)) and math.isfinite(v):
            xs.append(math.log10(lr))
            ys.append(float(v))
    return xs, ys


class TuneScreen(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("q", "dismiss", "Close")]
    DEFAULT_CSS = """
    TuneScreen { align: center middle; }
    #tune-box { width: 95%; height: 90%; border: round $accent; background: $surface; }
    #tune-plot { height: 16; }
    """

    def __init__(self, summary: dict) -> None:
        super().__init__()
        self.summary = summary

    def compose(self):
        from dldoctor.expert.render.tune import text

        with VerticalScroll(id="tune-box"):
            xs, ys = lr_points(self.summary)
            if len(xs) >= 2:
                from dldoctor.tui.plots import _safe_plot

                plot = _safe_plot()(id="tune-plot")
                plt = plot.plt
                plt.clear_figure()
                plt.title(f"{self.summary['metric']} against the learning rate (each trial; esc closes)")
                plt.scatter(xs, ys, marker="dot")
                best = (self.summary.get("best") or {}).get("params", {}).get("lr")
                if isinstance(best, (int, float)) and best > 0:
                    plt.vline(math.log10(best))
                ticks = range(math.floor(min(xs)), math.ceil(max(xs)) + 1)
                plt.xticks([float(e) for e in ticks], [f"1e{e}" for e in ticks])
                plt.xlabel("learning rate")
                plt.ylabel(self.summary["metric"])
                yield plot
            yield Static(Text(text(self.summary, width=110)), id="tune-text")
