"""Save and resume an interactive session: a JSON file of answers, skips and probe results, in order.

The file is written atomically (a temporary file beside it, then ``os.replace``), so an interrupted
save never leaves half a session.  Resuming replays the events through the same code paths as the
live session, so undo works across a resume.  Entries the KB no longer knows are reported, not fatal.

    {"dldoctor_session": 1, "target": "train.py", "threshold": 0.5,
     "events": [{"answer": "loss-flat", "reply": "yes"}, {"skip": "..."}, {"probe": {...result...}}]}
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from dldoctor.tui.conversation import REPLIES, Conversation
from dldoctor.probes.result import ProbeResult

FORMAT = 1


class SessionFileError(ValueError):
    """A session file that cannot be read (one line, naming the file)."""


def save(conv: Conversation, path: str | Path) -> Path:
    path = Path(path)
    data = {"dldoctor_session": FORMAT, "target": conv.target, "threshold": conv.threshold, "events": conv.events()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SessionFileError(f"{path}: cannot read the session: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SessionFileError(f"{path}: not a dldoctor session (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("dldoctor_session") != FORMAT or not isinstance(data.get("events"), list):
        raise SessionFileError(f"{path}: not a dldoctor session file (format {FORMAT} expected)")
    return data


def replay(conv: Conversation, data: dict) -> list[str]:
    """Apply a saved session's events to ``conv``; returns warnings for entries that were left out."""
    kb, warnings = conv.kb, []
    for i, ev in enumerate(data["events"]):
        if not isinstance(ev, dict):
            warnings.append(f"event {i}: not an object")
        elif "answer" in ev:
            if ev["answer"] not in kb.symptoms:
                warnings.append(f"event {i}: unknown symptom '{ev['answer']}'")
            elif ev.get("reply") not in REPLIES:
                warnings.append(f"event {i}: reply must be one of {', '.join(REPLIES)}")
            else:
                conv.answer(ev["answer"], ev["reply"])
        elif "skip" in ev:
            if ev["skip"] in kb.symptoms:
                conv.answer(ev["skip"], "skip")
            else:
                warnings.append(f"event {i}: unknown symptom '{ev['skip']}'")
        elif "probe" in ev:
            try:
                result = ProbeResult.from_json(ev["probe"])
            except ValueError as exc:
                warnings.append(f"event {i}: {exc}")
                continue
            if result.id not in kb.probes:
                warnings.append(f"event {i}: unknown probe")
            else:
                conv.add_result(result)
        else:
            warnings.append(f"event {i}: neither answer, skip nor probe")
    return warnings
