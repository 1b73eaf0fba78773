"""Export the diagnosis as Markdown (the same renderer as ``dldoctor diagnose --format markdown``)."""
from __future__ import annotations

from pathlib import Path

from dldoctor.expert import output_file
from dldoctor.tui.conversation import Conversation


def markdown(conv: Conversation) -> str:
    from dldoctor.expert.render.markdown import render
    from dldoctor.expert.report import build

    return render(build(conv.diag, {"target": conv.target, "source": "dldoctor tui"}))


def write_markdown(conv: Conversation, path: str | Path) -> Path:
    """Write the report atomically; returns the path written."""
    path = Path(path)
    output_file.write(str(path), markdown(conv))  # beside it, then renamed: a failed write loses nothing
    return path
