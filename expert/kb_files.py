"""The YAML files of one KB folder, found by a bounded walk: never the whole disk, never a device.

A KB folder holds a few files two levels deep.  ``kb = ["/"]`` in a pyproject.toml, or a folder with a
checkout in it, must not turn a diagnosis into a walk of the disk: the walk stops after ``MAX_ENTRIES``
directory entries or below ``MAX_DEPTH`` levels and reports the folder as not a KB folder.  Symlinked
folders are not followed (a loop, or a link to ``/``).  Only regular files are YAML files: a FIFO
(which blocks a read forever), a link to ``/dev/zero`` (which never ends) or a dangling link are
reported by ``yaml_source.read`` with their name, never opened for reading.
"""
from __future__ import annotations

import os
from pathlib import Path

MAX_ENTRIES = 5_000  # directory entries looked at in one KB folder (the built-in KB has about 60)
MAX_DEPTH = 4  # levels below the folder (the layout uses 1: causes/x.yaml)


class FolderTooBig(Exception):
    """The folder is far larger than any KB folder; ``str()`` says how."""


def yaml_files(root: Path) -> list[Path]:
    """Every ``*.yaml`` / ``*.yml`` path under ``root`` (sorted), by a bounded walk; FolderTooBig past the bounds."""
    out: list[Path] = []
    seen = 0
    stack = [(Path(root), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # an unreadable sub-folder holds no file of ours
        seen += len(entries)
        if seen > MAX_ENTRIES:
            raise FolderTooBig(f"holds more than {MAX_ENTRIES:,} files and folders — a KB folder holds a few YAML files; "
                               "is this the right folder?")
        for e in entries:
            path = Path(e.path)
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if depth + 1 > MAX_DEPTH:
                    raise FolderTooBig(f"nests folders more than {MAX_DEPTH} levels deep ({path}) — a KB folder is "
                                       "at most one level of sub-folders; is this the right folder?")
                stack.append((path, depth + 1))
            elif e.name.endswith((".yaml", ".yml")):
                out.append(path)
    return sorted(out)
