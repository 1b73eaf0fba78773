"""Reads one KB file as plain data with the line of every key, safely.

libyaml composes the node tree (``CSafeLoader``: fast, no Python objects from tags); we build the
data ourselves so that we can refuse what a knowledge base never needs and a hostile file uses:
aliases (billion laughs), custom tags, duplicate keys, non-string keys, files over MAX_BYTES.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

from dldoctor.expert.problems import Problem

try:
    from yaml.cyaml import CParser

    class _Loader(CParser, yaml.resolver.BaseResolver):
        """libyaml's parser and composer with no implicit typing: plain scalars are typed by ``_plain``."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            yaml.resolver.BaseResolver.__init__(self)
except ImportError:  # no libyaml: the pure-Python loader (its resolver types plain scalars; slower)
    _Loader = yaml.SafeLoader

MAX_BYTES = 2_000_000
MAX_DEPTH = 50  # a KB file nests about 6 levels; libyaml's own composer overflows the C stack near 20,000
_SCAN_ABOVE = 5_000  # characters: a shorter file cannot nest deeper than that, which the composer takes
_STD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
}


class Located:
    """Data of one file plus ``line(path)`` for any key path like ('evidence', 1, 'symptom')."""

    def __init__(self, file: str, data, lines: dict):
        self.file, self.data, self._lines = file, data, lines

    def line(self, path: tuple) -> int:
        path = tuple(path)
        while path and path not in self._lines:
            path = path[:-1]
        return self._lines.get(path, 1)


def read(path: Path, shown: str, what: str = "a KB file") -> tuple[Located | None, list[Problem]]:
    """Parse ``path``; ``shown`` is the name used in messages, ``what`` the kind of file. Returns (data, problems)."""
    try:
        raw, size = _read_regular(path)
    except OSError as exc:
        why = "a dangling symbolic link" if path.is_symlink() and not path.exists() else exc.strerror
        return None, [Problem(shown, 0, "", f"cannot read: {why}")]
    if raw is None:
        return None, [Problem(shown, 0, "", "not a regular file (a pipe, a device or a folder) — a KB file is a plain YAML file")]
    if size > MAX_BYTES or len(raw) > MAX_BYTES:
        size = max(size, len(raw))
        return None, [Problem(shown, 0, "", f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit for one KB file — split it")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, "", "not UTF-8 text — save the file as UTF-8")]
    try:
        deep = _too_deep(text, shown) if len(text) > _SCAN_ABOVE else None
        if deep is not None:
            return None, [deep]
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        hint = " — YAML forbids tabs for indentation; use spaces" if "\t" in text else ""
        return None, [Problem(shown, line, "", f"not valid YAML: {exc.problem or exc}{hint}")]
    except yaml.YAMLError as exc:  # e.g. a control character (ReaderError): a position, no mark
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else 0
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        return None, [Problem(shown, line, "", f"not valid YAML: {reason}")]
    if node is None:
        return None, [Problem(shown, 1, "", "file is empty")]
    lines: dict = {}
    problems: list[Problem] = []
    data = _build(node, (), lines, problems, shown, set())
    if what != "a KB file":
        problems = [Problem(p.file, p.line, p.where, p.message.replace("a KB file", what)) for p in problems]
    return (None if problems else Located(shown, data, lines)), problems


def _read_regular(path: Path) -> tuple[bytes | None, int]:
    """(bytes, size) of a regular file, at most MAX_BYTES + 1 of them; (None, 0) for anything else.

    Opened without blocking (a FIFO would wait for a writer forever) and checked on the open file
    (no race with a swap after a check); a link to /dev/zero is a device, never read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, 0
        if st.st_size > MAX_BYTES:
            return b"", st.st_size  # refused from its size, never read
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        return raw, st.st_size
    finally:
        os.close(fd)


def _too_deep(text: str, shown: str, loader_class=None) -> Problem | None:
    """The first place nested deeper than MAX_DEPTH, from the parser's events (no recursion, no tree).

    Newer libyaml (0.2.6) refuses deep nesting itself, in its own words, before our count reaches the
    limit (its scanner reads ahead): then the pure-Python parser, which has no limit, counts again, so
    the message is dldoctor's whatever libyaml is installed."""
    loader = (loader_class or _Loader)(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return None
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(shown, event.start_mark.line + 1, "", f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        if loader_class is None and _Loader is not yaml.SafeLoader:
            return _too_deep(text, shown, yaml.SafeLoader)
        raise
    finally:
        loader.dispose()


def _build(node, path, lines, problems, shown, seen):
    if len(path) > MAX_DEPTH:
        if not any(p.message.startswith("nested more than") for p in problems):
            problems.append(Problem(shown, node.start_mark.line + 1, "", f"nested more than {MAX_DEPTH} levels deep"))
        return None
    if id(node) in seen:  # an alias: report the first one of the file, never expand it (billion laughs)
        if not any(p.message.startswith("anchors and aliases") for p in problems):
            line = lines.get(path) or lines.get(path[:-1], 1)
            problems.append(Problem(shown, line, _dotted(path), "anchors and aliases are not allowed in a KB file — write the value out"))
        return None
    lines.setdefault(path, node.start_mark.line + 1)
    seen.add(id(node))
    if node.tag not in _STD_TAGS:
        problems.append(Problem(shown, node.start_mark.line + 1, _dotted(path), f"YAML tag {node.tag!r} is not allowed — a KB file is plain data"))
        return None
    fits = _KIND_TAGS.get(type(node))  # the map / seq tag for a collection; None for a scalar
    if node.tag != fits if fits else node.tag in _KIND_TAGS.values():
        problems.append(Problem(shown, node.start_mark.line + 1, _dotted(path), f"YAML tag {node.tag!r} does not fit this value"))
        return None
    if isinstance(node, yaml.MappingNode):
        out = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(shown, knode.start_mark.line + 1, _dotted(path), "merge keys (<<) are not allowed in a KB file"))
                continue
            if not isinstance(knode, yaml.ScalarNode) or knode.tag != "tag:yaml.org,2002:str":
                problems.append(Problem(shown, knode.start_mark.line + 1, _dotted(path), f"keys must be plain strings, not {knode.value!r}"))
                continue
            key = knode.value
            if key in out:
                problems.append(Problem(shown, knode.start_mark.line + 1, _dotted(path + (key,)), f"duplicate key {key!r} (first on line {lines[path + (key,)]})"))
                continue
            lines[path + (key,)] = knode.start_mark.line + 1
            out[key] = _build(vnode, path + (key,), lines, problems, shown, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, path + (i,), lines, problems, shown, seen) for i, v in enumerate(node.value)]
    if not node.style and node.tag == _STR:  # plain: style None (pure-Python loader) or '' (libyaml)
        return _plain(node.value)
    try:
        return _typed(node)
    except (yaml.YAMLError, ValueError, KeyError, TypeError, OverflowError):
        problems.append(Problem(shown, node.start_mark.line + 1, _dotted(path), f"{node.value[:40]!r} is not a valid {node.tag.rsplit(':', 1)[-1]}"))
        return None


_STR = "tag:yaml.org,2002:str"
_KIND_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}
_WORDS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False, "null": None, "~": None, "": None}
_SCALARS = yaml.SafeLoader("")  # its constructors type explicitly tagged scalars (!!int, !!float, ...)


def _plain(text: str):
    """YAML 1.1 implicit typing of a plain scalar, for the cases a KB uses: bool, null, int, float."""
    low = text.lower()
    if low in _WORDS:
        return _WORDS[low]
    c = text[0]
    if c.isdigit() or c in "-+.":
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            return {".inf": float("inf"), "-.inf": float("-inf"), "+.inf": float("inf"), ".nan": float("nan")}.get(low, text)
    return text


def _typed(node):
    return node.value if node.tag == _STR else _SCALARS.construct_object(node, deep=False)


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out
