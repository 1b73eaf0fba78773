"""Crash-pattern regular expressions (the KB's patterns.yaml, and users' KB folders), matched in linear time.

A pattern comes from a file the user may not have written (a shared KB folder), and it is matched in
the parent process, unbounded: Python's ``re`` backtracks, so ``(a+)+$`` against a long message spins
forever.  RE2 (the ``google-re2`` package) matches in time linear in the message and refuses what it
cannot run that way (back-references, look-around): ``kb check`` reports those with their line.
"""
from __future__ import annotations

from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False  # the KB's patterns are matched case-insensitively
_OPTIONS.log_errors = False  # a refused pattern is our one-line message, not RE2's log on stderr


class PatternError(ValueError):
    """A pattern RE2 cannot compile; ``str()`` says why."""


@lru_cache(maxsize=512)
def compile_pattern(text: str):
    """The compiled, case-insensitive pattern; PatternError when RE2 cannot run it in linear time."""
    try:
        return re2.compile(text, _OPTIONS)
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(f"invalid regular expression (RE2 syntax, no back-references or look-around): {why}") from None


def search(pattern, message: str) -> bool:
    """Whether ``pattern`` (text or a compiled pattern) occurs in ``message``; an uncompilable one never does."""
    if isinstance(pattern, str):
        try:
            pattern = compile_pattern(pattern)
        except PatternError:
            return False
    return pattern.search(message) is not None
