"""A located problem in a knowledge base: ``file:line entry field: message — did you mean …?``."""
from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    where: str  # entry id and field path, e.g. "lr-too-high evidence[1].symptom"
    message: str

    def __post_init__(self) -> None:  # one line, whatever the file quoted in it (a key with a newline in it)
        for name in ("file", "where", "message"):
            text = getattr(self, name)
            one = "\\n".join(text.splitlines())
            if one != text:
                object.__setattr__(self, name, one)

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc} {self.where}: {self.message}" if self.where else f"{loc}: {self.message}"


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


class KBError(Exception):
    """Raised when a knowledge base does not compile; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
