"""Deliberately broken KB folders produce exactly the expected messages (golden files).

Each folder under tests/kb_broken/ is an extension compiled on top of the small valid fixture in
tests/kb_fixture/ (standing in for the built-in KB).  Refresh the goldens after an intended change
with ``DLDOCTOR_UPDATE_GOLDEN=1 pytest tests/test_kb_compiler_golden.py``.
"""
import os
from pathlib import Path

import pytest

from dldoctor.expert.compiler import compile_kb
from dldoctor.expert.problems import KBError

HERE = Path(__file__).parent
CASES = sorted(p.name for p in (HERE / "kb_broken").iterdir() if p.is_dir())


def messages(case: str) -> str:
    os.chdir(HERE.parent)
    try:
        compile_kb([Path("tests/kb_broken") / case], builtin_dir=HERE / "kb_fixture")
    except KBError as exc:
        return "\n".join(str(p) for p in exc.problems) + "\n"
    return "ok\n"


def test_fixture_is_valid():
    kb = compile_kb([], builtin_dir=HERE / "kb_fixture")
    assert set(kb.causes) == {"lr-too-high", "missing-zero-grad", "validation-overfitting"}


@pytest.mark.parametrize("case", CASES)
def test_broken_kb_messages(case, monkeypatch):
    monkeypatch.chdir(HERE.parent)
    got = messages(case)
    golden = HERE / "kb_broken" / case / "expected.txt"
    if os.environ.get("DLDOCTOR_UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")
