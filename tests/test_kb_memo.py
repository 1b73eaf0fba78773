"""load_kb keeps the KB it read in this process (a second watch or diagnosis reads no file), and reads
again once a KB file changes (the fingerprint of the files is the key)."""
from __future__ import annotations

import shutil
from pathlib import Path

from dldoctor.expert.knowledge import load_kb

FIXTURE = Path(__file__).parent / "kb_fixture"


def test_the_same_files_give_the_same_kb_object():
    assert load_kb() is load_kb()


def test_an_edited_kb_file_is_read_again(tmp_path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE, kb_dir)
    first = load_kb([kb_dir], builtin=False)
    assert load_kb([kb_dir], builtin=False) is first
    target = next(p for p in sorted(kb_dir.rglob("*.yaml")))
    target.write_text(target.read_text() + "\n# edited\n")
    again = load_kb([kb_dir], builtin=False)
    assert again is not first and again.causes.keys() == first.causes.keys()
