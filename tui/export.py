"""Export the diagnosis as Markdown (the same renderer as ``dldoctor diagnose --format markdown``)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dldoctor.tui.conversation import Conversation


def markdown(conv: Conversation) -> str:
    from dldoctor.expert.render.markdown import render
    from dldoctor.expert.report import build

    return render(build(conv.diag, {"target": conv.target, "source": "dldoctor tui"}))


def write_markdown(conv: Conversation, path: str | Path) -> Path:
    """Write the report atomically; returns the path written."""
    path = Path(path)
    text = markdown(conv)
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
