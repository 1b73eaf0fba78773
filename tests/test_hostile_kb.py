"""Hostile knowledge-base files: refused fast, with a located one-line message, and never executed.

The golden broken-KB cases (tests/kb_broken/*, checked by test_kb_compiler_golden.py) hold the
messages; here are the properties a golden file cannot show: a billion-laughs file is refused in
milliseconds without expanding anything, a huge file is refused without being read, nesting deep
enough to overflow libyaml's C stack is refused, and no tag, path or string in a KB is ever run or
imported.
"""
from __future__ import annotations

import shutil
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from dldoctor.expert.compiler import compile_kb
from dldoctor.expert.problems import KBError
from dldoctor.expert.yaml_source import MAX_BYTES, MAX_DEPTH, read

HERE = Path(__file__).parent
FIXTURE = HERE / "kb_fixture"


def problems(*dirs) -> list[str]:
    try:
        compile_kb(list(dirs), builtin_dir=FIXTURE)
    except KBError as exc:
        assert all("\n" not in str(p) for p in exc.problems)
        return [str(p) for p in exc.problems]
    return []


def test_billion_laughs_is_refused_fast_without_expanding(tmp_path):
    bomb = HERE / "kb_broken" / "billion-laughs"
    tracemalloc.start()
    t0 = time.perf_counter()
    found = problems(bomb)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(found) == 1 and "anchors and aliases are not allowed" in found[0]
    assert seconds < 2.0 and peak < 20 * 2**20  # expanded, it would be 10^9 strings


def test_a_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    (tmp_path / "symptoms").mkdir()
    huge = tmp_path / "symptoms" / "huge.yaml"
    with open(huge, "wb") as f:
        f.truncate(MAX_BYTES * 50)  # 100 MB, sparse: costs no disk
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read") if self == huge else read_bytes(self))
    found = problems(tmp_path)
    assert found == [f"{tmp_path}/symptoms/huge.yaml: file is 100,000,000 bytes, over the 2,000,000-byte limit for one KB file — split it"]


@pytest.mark.parametrize("depth", [200, 30_000])  # parsed then refused; refused from events before parsing
def test_deep_nesting_is_refused(tmp_path, depth):
    f = tmp_path / "deep.yaml"
    f.write_text("symptoms: " + "[" * depth + "]" * depth + "\n")
    data, found = read(f, "deep.yaml")
    assert data is None and [str(p) for p in found] == [f"deep.yaml:1: nested more than {MAX_DEPTH} levels deep"]


def test_deep_nesting_is_our_message_whatever_libyaml_says(tmp_path, monkeypatch):
    """libyaml 0.2.6 (PyYAML 6.0.4 wheels) refuses deep nesting itself, in its own words, while our
    event count is still below the limit (its scanner reads ahead): the message stays dldoctor's."""
    import yaml

    from dldoctor.expert import yaml_source

    class NewerLibyaml(yaml_source._Loader):
        depth = 0

        def get_event(self):
            event = super().get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                self.depth += 1
                if self.depth > 10:
                    raise yaml.scanner.ScannerError(None, None, "exceeded maximum nesting depth", event.start_mark)
            return event

    monkeypatch.setattr(yaml_source, "_Loader", NewerLibyaml)
    f = tmp_path / "deep.yaml"
    f.write_text("symptoms: " + "[" * 30_000 + "]" * 30_000 + "\n")
    data, found = read(f, "deep.yaml")
    assert data is None and [str(p) for p in found] == [f"deep.yaml:1: nested more than {MAX_DEPTH} levels deep"]


def test_no_tag_is_ever_executed(tmp_path):
    marker = tmp_path / "pwned"
    ext = tmp_path / "ext"
    (ext / "remedies").mkdir(parents=True)
    payloads = [
        f'!!python/object/apply:os.system ["touch {marker}"]',
        f'!!python/object/new:subprocess.check_call [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!!python/module:os",
        f'!!python/object/apply:builtins.exec ["open(\'{marker}\', \'w\')"]',
    ]
    for i, payload in enumerate(payloads):
        (ext / "remedies" / f"evil{i}.yaml").write_text(f"remedies:\n  - id: evil-{i}\n    title: {payload}\n    steps: [x]\n")
    found = problems(ext)
    assert len(found) == len(payloads) and all("is not allowed — a KB file is plain data" in p for p in found)
    assert not marker.exists()


def test_strings_that_look_like_code_or_paths_stay_text(tmp_path):
    ext = tmp_path / "ext"
    shutil.copytree(FIXTURE, ext)
    code = "__import__('os').system('touch pwned')"
    (ext / "remedies" / "fix.yaml").write_text((ext / "remedies" / "fix.yaml").read_text().replace("title: Lower the learning rate", f'title: "{code}"'))
    (ext / "symptoms" / "overfit.yaml").write_text(
        (ext / "symptoms" / "overfit.yaml").read_text().replace("probe: {probe: lr-range,", "probe: {probe: os,"))
    modules = set(sys.modules)
    with pytest.raises(KBError) as info:
        compile_kb([], builtin_dir=ext)
    assert any("no probe 'os' is declared" in str(p) for p in info.value.problems)  # ids are looked up in a table
    assert "os" not in set(sys.modules) - modules
    (ext / "symptoms" / "overfit.yaml").write_text((FIXTURE / "symptoms" / "overfit.yaml").read_text())
    kb = compile_kb([], builtin_dir=ext)
    assert code in [r.title for r in kb.remedies.values()]
    assert not (Path.cwd() / "pwned").exists()


@pytest.mark.parametrize("text,message", [
    ("symptoms: &a [*a]\n", "kb.yaml:1 symptoms[0]: anchors and aliases are not allowed in a KB file — write the value out"),
    ("symptoms:\n  - id: x\n    title: \"bell \x07\"\n", "kb.yaml:3: not valid YAML: control characters are not allowed"),
    ("a: 1\n---\nb: 2\n", "kb.yaml:2: not valid YAML: but found another document"),
])
def test_a_cycle_control_characters_or_two_documents(tmp_path, text, message):
    f = tmp_path / "kb.yaml"
    f.write_text(text)
    data, found = read(f, "kb.yaml")
    assert data is None and [str(p) for p in found] == [message]
