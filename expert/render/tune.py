"""The tuning summary as strict JSON, Markdown or rich text: the best settings beside the settings as
given, the line to paste, and the table of trials."""
from __future__ import annotations

import json
import math


def strict(data):
    """Non-finite numbers as null, recursively (strict JSON)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {str(k): strict(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [strict(v) for v in data]
    return data


def to_json(summary: dict) -> str:
    return json.dumps(strict(summary), indent=2, allow_nan=False) + "\n"


def fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(fmt(x) for x in v) + ")"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _names(summary: dict) -> list[str]:
    return [p["name"] for p in summary.get("space", [])]


def _outcome(row: dict, metric: str) -> str:
    value = fmt(row.get(metric))
    if row["state"] == "pruned":
        return f"{value} (pruned at {row.get('steps')})"
    if row["state"] == "fail":
        return "failed" + (f": {row['error'][:50]}" if row.get("error") else "")
    if row["state"] == "running":
        return "running"
    again = f" · again {', '.join(fmt(v) for v in row['confirmed'])}" if row.get("confirmed") else ""
    return value + (" (diverged)" if row.get("diverged") else "") + again


def comparison(summary: dict) -> list[tuple[str, str, str]]:
    """(setting, as given, best) rows, the metric last."""
    metric, best, given = summary["metric"], summary.get("best") or {}, summary.get("as_given") or {}
    rows = [(n, fmt(given.get("params", {}).get(n)), fmt(best.get("params", {}).get(n))) for n in _names(summary)]
    rows.append((metric, fmt(given.get(metric)) + (" (diverged)" if given.get("diverged") else ""), fmt(best.get(metric))))
    return rows


def headline(summary: dict) -> str:
    metric, best, given = summary["metric"], summary.get("best"), summary.get("as_given") or {}
    done = sum(r["state"] in ("complete", "pruned") for r in summary["trials"])
    pruned = sum(r["state"] == "pruned" for r in summary["trials"])
    if best is None:
        return f"no trial finished ({len(summary['trials'])} trials; see the table)"
    seeds = len(best.get("values") or [None])
    text = f"best {metric} {fmt(best[metric])} (trial {best['trial'] + 1}{f', mean of {seeds} seeds' if seeds > 1 else ''})"
    if given.get(metric) is not None:
        text += f", as given {fmt(given[metric])}"
    text += f" · {done} trials ({pruned} pruned) of {summary['steps']} steps · {summary['steps_spent']} steps spent"
    if not improved(summary):
        text += " · no trial beat the settings as given: keep them"
    return text


def improved(summary: dict) -> bool:
    """False when the settings as given measured at least as well as the best trial."""
    metric, best, given = summary["metric"], summary.get("best") or {}, summary.get("as_given") or {}
    b, g = best.get(metric), given.get(metric)
    return not (isinstance(b, (int, float)) and isinstance(g, (int, float))) or b < g


def markdown(summary: dict) -> str:
    metric = summary["metric"]
    out = [f"## dldoctor tune: `{summary.get('target', '')}`", "", headline(summary), "",
           f"Validated on {summary['validation']}; study `{summary['study']}`, seed {summary['seed']}.", "",
           "| setting | as given | best |", "|---|---:|---:|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in comparison(summary)]
    if summary.get("paste"):
        out += ["", "Paste:", "", "```python", *summary["paste"], "```"]
    names = _names(summary)
    out += ["", "| # | stage | " + " | ".join(names) + f" | {metric} | steps |", "|---:|---|" + "---:|" * (len(names) + 2)]
    for r in summary["trials"]:
        cells = [fmt(r["params"].get(n)) for n in names]
        out.append(f"| {r['number'] + 1} | {r.get('stage') or ''} | " + " | ".join(cells) + f" | {_outcome(r, metric)} | {fmt(r.get('steps'))} |")
    for note in summary.get("notes", []) + summary.get("errors", []):
        out.append(f"\n- {note}")
    return "\n".join(out) + "\n"


def text(summary: dict, color: bool = False, width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    metric = summary["metric"]
    console = Console(record=True, force_terminal=color, no_color=not color, width=width or 100, file=_Null())
    console.print(f"[bold]dldoctor tune[/] {summary.get('target', '')}", highlight=False)
    console.print(headline(summary), highlight=False, soft_wrap=True)
    console.print(f"[dim]validated on {summary['validation']}; study {summary['study']}, seed {summary['seed']}[/]", highlight=False)
    side = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for col in ("setting", "as given", "best"):
        side.add_column(col, justify="left" if col == "setting" else "right")
    for row in comparison(summary):
        side.add_row(*row)
    console.print(side)
    for line in summary.get("paste", []):
        console.print(f"  [green]{line}[/]", highlight=False, soft_wrap=True)
    names = _names(summary)
    table = Table(title="trials", header_style="bold", show_edge=False)
    for col in ("#", "stage", *names, metric, "steps"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    best = (summary.get("best") or {}).get("trial")
    for r in summary["trials"]:
        style = "bold green" if r["number"] == best else ("dim" if r["state"] != "complete" else "")
        table.add_row(str(r["number"] + 1), r.get("stage") or "", *[fmt(r["params"].get(n)) for n in names],
                      _outcome(r, metric), fmt(r.get("steps")), style=style)
    console.print(table)
    for note in summary.get("notes", []) + summary.get("errors", []):
        console.print(f"[dim]· {note}[/]", highlight=False)
    return console.export_text(styles=color)


class _Null:
    def write(self, _):
        return 0

    def flush(self):
        pass
