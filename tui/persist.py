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
    except RecursionError:
        raise SessionFileError(f"{path}: not a dldoctor session (nested too deep)") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise SessionFileError(f"{path}: not a dldoctor session ({str(exc).split(':')[0]})") from None
    if not isinstance(data, dict) or data.get("dldoctor_session") != FORMAT or not isinstance(data.get("events"), list):
        raise SessionFileError(f"{path}: not a dldoctor session file (format {FORMAT} expected)")
    if data.get("target") is not None and not isinstance(data["target"], str):
        raise SessionFileError(f"{path}: 'target' must be text, got {type(data['target']).__name__}")
    threshold = data.get("threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
        raise SessionFileError(f"{path}: 'threshold' must be a number, got {type(threshold).__name__}")
    return data


def replay(conv: Conversation, data: dict) -> list[str]:
    """Apply a saved session's events to ``conv``; returns warnings for entries that were left out."""
    kb, warnings = conv.kb, []
    for i, ev in enumerate(data["events"]):
        if not isinstance(ev, dict):
            warnings.append(f"event {i}: not an object")
        elif any(k in ev and not isinstance(ev[k], str) for k in ("answer", "skip", "reply")):
            warnings.append(f"event {i}: answer, skip and reply must be text")
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
            why = "unknown probe" if result.id not in kb.probes else _bad_values(result)
            if why:
                warnings.append(f"event {i}: {why}")
            else:
                conv.add_result(result)
        else:
            warnings.append(f"event {i}: neither answer, skip nor probe")
    return warnings


def _bad_values(result: ProbeResult) -> str | None:
    """What ``from_json`` leaves to the probe: findings are plain values, confidences numbers."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in result.confidence.values()):
        return f"probe {result.id}: confidences must be numbers"
    if not all(v is None or isinstance(v, (bool, int, float, str)) for v in result.findings.values()):
        return f"probe {result.id}: a finding must be a number, true/false, text or null"
    return None
