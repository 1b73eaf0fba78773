"""Read a run's history: a dict of lists, a CSV, JSON-lines or JSON file, or TensorBoard event files,
including the files the ecosystem writes: Hugging Face's ``trainer_state.json`` (its ``log_history``;
``loss`` is the train loss, ``eval_loss`` the validation loss, the run's closing summary row is left
out), Lightning's CSVLogger ``metrics.csv`` (sparse rows: train and validation metrics on lines of
their own), TensorBoard event files, and W&B run exports (the UI's CSV, whose columns read
``<run> - <metric>`` with ``__MIN``/``__MAX`` companions, and ``run.history()`` as JSON).

``read_history(history, base_dir)`` returns a ``History``: numeric columns (name -> list of floats,
``None`` for an empty cell or a missing key) and notes.  A relative path is read from ``base_dir``
(the target file's folder).  Torch-free; TensorBoard files are read with the ``tensorboard``
package's EventAccumulator when it is installed (``pip install tensorboard``).

Known names: train_loss, val_loss, train_error, val_error, test_error.  Other columns are kept under
their own names.  A column whose words name a split (train / val, valid, validation / test) and a
quantity (loss / error, err) is read as that known name (``loss/val``, ``Loss_train``); Keras's
``loss`` is train_loss; an accuracy in [0, 1] (``val_accuracy``, ``acc``) becomes an error, 1 - acc.

Errors are ``HistoryError`` with one line naming the file and the line / column: missing file, not
UTF-8, a non-numeric value in a known column, a malformed line, no known column.  A JSON-lines
file whose last line is cut mid-object (a run still writing) is read up to its last complete line,
with a note.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import math
import os
import re
from dataclasses import dataclass, field

KNOWN = ("train_loss", "val_loss", "train_error", "val_error", "test_error")
SPLITS = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
          "dev": "val", "eval": "val", "test": "test"}
WANDB_COMPANION = re.compile(r"__(MIN|MAX|STEP)$")
SUMMARY_KEYS = ("train_runtime", "train_samples_per_second")  # the closing row of a Hugging Face log_history
LOSS_WORDS, ERROR_WORDS, ACC_WORDS = {"loss"}, {"error", "err"}, {"acc", "accuracy"}


class HistoryError(ValueError):
    """A history that cannot be read; the message is one line naming the file and the place."""


@dataclass
class History:
    columns: dict = field(default_factory=dict)  # name -> list[float | None]
    source: str = "dict"
    notes: list = field(default_factory=list)

    def series(self, name: str) -> list[float]:
        """The values of a column with its gaps (None) removed; [] when absent."""
        return [v for v in self.columns.get(name, []) if v is not None]


def read_history(history, base_dir: str | None = None) -> History:
    if isinstance(history, dict):
        return _finish(_from_mapping(history), "history")
    if not isinstance(history, (str, os.PathLike)):
        raise HistoryError(f"history must be a path or a dict of lists, got {type(history).__name__}")
    path = os.path.join(base_dir or "", os.fspath(history))
    if not os.path.exists(path):
        raise HistoryError(f"history file {path} not found")
    if os.path.isdir(path) or "tfevents" in os.path.basename(path):
        return _finish(_from_tensorboard(path), path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HistoryError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
    ext = os.path.splitext(path)[1].lower()
    if ext in (".jsonl", ".ndjson", ".json") or (ext not in (".csv", ".tsv") and text.lstrip()[:1] in ("{", "[")):
        return _finish(_from_json(text, path), path)
    return _finish(_from_csv(text, path, "\t" if ext == ".tsv" else ","), path)


def known_name(column: str) -> tuple[str | None, bool]:
    """(known name, is an accuracy) for a column name, or (None, False)."""
    low = column.strip().lower()
    if low in KNOWN:
        return low, False
    words = [w for w in re.split(r"[^a-z]+", low) if w]
    split = {SPLITS[w] for w in words if w in SPLITS}
    kinds = {"loss" for w in words if w in LOSS_WORDS} | {"error" for w in words if w in ERROR_WORDS}
    if "min" in words or "max" in words:  # a running extreme (W&B's __MIN / __MAX), not the curve itself
        return None, False
    acc = any(w in ACC_WORDS for w in words)
    if acc and not kinds:
        kinds = {"error"}
    if len(kinds) != 1 or len(split) > 1 or (not split and len(words) != 1):
        return None, False
    name = f"{split.pop() if split else 'train'}_{kinds.pop()}"
    return (name, acc) if name in KNOWN else (None, False)


def _number(value, where: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise HistoryError(f"{where}: {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise HistoryError(f"{where}: {str(value)[:40]!r} is not a number") from None


def _from_mapping(data: dict, label: str = "history") -> History:
    names = [str(k) for k in data]
    rows = {}
    for key, values in data.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        rows[str(key)] = list(values)
    n = max((len(v) for v in rows.values()), default=0)
    table = [(i, {k: v[i] for k, v in rows.items() if i < len(v)}) for i in range(n)]
    return _table(names, table, label, [], "dict", where="{path}[{name!r}][{line}]")


def _from_json(text: str, path: str) -> History:
    try:  # one JSON document: a dict of lists, or a list of per-epoch objects
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("log_history"), list):  # Hugging Face trainer_state.json
        rows = [r for r in whole["log_history"] if isinstance(r, dict) and not any(k in r for k in SUMMARY_KEYS)]
        if not rows:
            raise HistoryError(f"{path}: log_history holds no logged step")
        names = list(dict.fromkeys(k for row in rows for k in row))
        return _table(names, list(enumerate(rows)), path, [], "trainer_state", where="{path}: log_history[{line}][{name!r}]")
    if isinstance(whole, dict) and any(isinstance(v, list) for v in whole.values()):
        h = _from_mapping({k: v for k, v in whole.items() if isinstance(v, list)}, path)
        h.source = "json"
        return h
    if isinstance(whole, list) and whole and all(isinstance(r, dict) for r in whole):
        names = list(dict.fromkeys(k for row in whole for k in row))
        return _table(names, list(enumerate(whole)), path, [], "json", where="{path}[{line}][{name!r}]")
    rows, notes = [], []
    lines = text.splitlines()
    last = max((i for i, s in enumerate(lines) if s.strip()), default=-1)
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if i == last:
                notes.append(f"{path}:{i + 1}: the last line is cut mid-object; read the {len(rows)} complete lines before it")
                break
            raise HistoryError(f"{path}:{i + 1}: not a JSON object ({exc.msg}, column {exc.colno})") from None
        if not isinstance(row, dict):
            raise HistoryError(f"{path}:{i + 1}: not a JSON object (a {type(row).__name__})")
        rows.append((i + 1, row))
    names = list(dict.fromkeys(k for _, row in rows for k in row))
    return _table(names, rows, path, notes, "jsonl")


def _from_csv(text: str, path: str, delimiter: str) -> History:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise HistoryError(f"{path}: empty file")
    names = [h.strip() for h in header]
    if any(" - " in n for n in names):  # a W&B export: "<run> - <metric>", plus __MIN / __MAX companions
        names = [WANDB_COMPANION.sub(lambda m: f" ({m.group(1).lower()})", n.split(" - ", 1)[1] if " - " in n else n) for n in names]
    rows = []
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(names):
            raise HistoryError(f"{path}:{reader.line_num}: {len(row)} cells for {len(names)} columns")
        rows.append((reader.line_num, dict(zip(names, row))))
    return _table(names, rows, path, [], "csv")


def _table(names, rows, path, notes, source, where="{path}:{line}, column {name!r}") -> History:
    """Columns from (line number, row dict) pairs; non-numeric values are errors in known columns only."""
    h = History(source=source, notes=notes)
    for name in names:
        col = []
        try:
            for line, row in rows:
                col.append(_number(row.get(name), where.format(path=path, line=line, name=name)))
        except HistoryError:
            if known_name(name)[0] is not None:
                raise
            h.notes.append(f"{path}: column {name!r} is not numeric; ignored")
            continue
        h.columns[name] = col
    return h


def _from_tensorboard(path: str) -> History:
    folders = [path] if os.path.isfile(path) else sorted(
        d for d, _, files in os.walk(path) if any("tfevents" in f for f in files))
    if not folders:
        raise HistoryError(f"{path}: a folder with no TensorBoard event file (events.out.tfevents.*)")
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        raise HistoryError(f"{path}: reading TensorBoard event files needs the tensorboard package (pip install tensorboard)") from None
    h = History(source="tensorboard")
    for folder in folders:
        acc = EventAccumulator(folder, size_guidance={"scalars": 0})
        acc.Reload()
        sub = "" if os.path.isfile(path) else os.path.relpath(folder, path)
        for tag in acc.Tags().get("scalars", []):
            events = sorted(acc.Scalars(tag), key=lambda e: e.step)
            name = tag if sub in ("", ".") else f"{sub}/{tag}"
            h.columns[name] = [float(e.value) for e in events]
    return h


def _finish(h: History, where: str) -> History:
    """Map other spellings to the known names; fail when no known column is left."""
    for name in list(h.columns):
        known, is_acc = known_name(name)
        if known is None or known == name or known in h.columns:
            continue
        values = h.columns[name]
        if is_acc:
            finite = [v for v in values if v is not None and math.isfinite(v)]
            if not finite or min(finite) < 0 or max(finite) > 1:
                h.notes.append(f"{where}: column {name!r} looks like an accuracy but is not in [0, 1]; not used as {known}")
                continue
            values = [None if v is None else 1.0 - v for v in values]
        h.columns[known] = values
        h.notes.append(f"{where}: column {name!r} read as {known}" + (" (1 - accuracy)" if is_acc else ""))
    if not any(k in h.columns for k in KNOWN):
        found = ", ".join(list(h.columns)[:8]) or "none"
        close = difflib.get_close_matches(next(iter(h.columns), ""), KNOWN, n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        raise HistoryError(f"{where}: no known column ({', '.join(KNOWN)}); found: {found}{hint}")
    return h
