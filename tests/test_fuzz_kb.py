"""Property: whatever a KB folder holds, compile_kb returns a knowledge base or raises KBError whose
every problem names a file and says what is wrong on one line — never another exception.

Three sources of input: random YAML-ish text (the characters YAML gives meaning to), random data
structures dumped as YAML into a cause file (reaching the schema's validation), and mutations of the
valid fixture KB (lines deleted, duplicated, swapped or truncated; values replaced by other types,
tags, aliases, tabs; ids changed into other ids).  A KB that compiles must also rank and plan.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dldoctor.expert import engine
from dldoctor.expert.compiler import compile_kb
from dldoctor.expert.problems import KBError

FIXTURE = Path(__file__).parent / "kb_fixture"
FILES = sorted(str(p.relative_to(FIXTURE)) for p in FIXTURE.rglob("*.yaml"))
IDS = ["lr-too-high", "missing-zero-grad", "validation-overfitting", "loss-explodes", "loss-oscillates", "lower-lr",
       "implement-and-debug", "evaluate", "overfit-one-batch", "lr-range", "Bad Id", ""]
TOKENS = ["[]", "{}", "-1", "0", "1e999", "-.inf", ".nan", "null", "~", "yes", "no", "'x'", '"\\u0000"', "!!int x",
          "!!float 1", "!!bool maybe", "!!seq x", "!!map [1]", "!!python/name:os.system", "!binary x", "*a", "&a x",
          "<<: *a", "? k", "|", ">-", "- ", ": ", "#", "%TAG ! x", "---", "...", "@", "`", "\t", "{a: [1, {b: c}]}",
          "[" * 60 + "]" * 60, "\U0001F600", "9" * 5000, "true", "2001-12-14", "0x1F", "1_000"]
# DLDOCTOR_FUZZ_EXAMPLES=5000 for a long search; the suite's default stays quick
FUZZ = settings(max_examples=int(os.environ.get("DLDOCTOR_FUZZ_EXAMPLES", 150)), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def compiles_or_is_located(builtin: Path, extra=()) -> None:
    try:
        kb = compile_kb(list(extra), builtin_dir=builtin)
    except KBError as exc:
        assert exc.problems
        for p in exc.problems:
            assert isinstance(p.file, str) and p.file and isinstance(p.line, int) and p.line >= 0
            assert p.message.strip() and "\n" not in str(p), str(p)
        return
    observations = {s: engine.answer(s, "yes") for s in kb.symptoms}
    assert all(0.0 <= b.score <= 1.0 for b in engine.rank(kb, observations))
    engine.plan(kb, {}, list(kb.symptoms_by_probe), questions=True)


def with_extension(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ext = Path(tmp) / "ext"
        for rel, content in files.items():
            (ext / rel).parent.mkdir(parents=True, exist_ok=True)
            (ext / rel).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        compiles_or_is_located(FIXTURE, [ext])


YAMLISH = st.text(alphabet=st.sampled_from(list(":-[]{}!&*#|>'\"\n\t ,?%@`~.\\") + list("abidxyz019") + ["\x00", "é", "\ufeff"]),
                  max_size=300)


@FUZZ
@given(text=YAMLISH, where=st.sampled_from(["causes/random.yaml", "symptoms/random.yaml", "remedies/random.yaml",
                                            "evidence/random.yaml", "stages.yaml", "patterns.yaml", "healthy.yaml"]))
def test_random_yamlish_text(text, where):
    with_extension({where: text})


@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes(raw):
    with_extension({"symptoms/bytes.yaml": raw})


CAUSE_KEYS = ["id", "title", "group", "category", "stage", "prior", "summary", "mechanism", "tags", "evidence",
              "remedies", "references", "cases", "overrides", "symptom", "weight", "if_absent", "ranks_top", "observations"]
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from(IDS) | st.text(max_size=20))
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(CAUSE_KEYS) | st.text(max_size=8), inner, max_size=6), max_leaves=25)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(CAUSE_KEYS), DATA, max_size=12))
def test_random_cause_data(data):
    with_extension({"causes/random.yaml": yaml.safe_dump(data, allow_unicode=True)})


def _mutate(lines: list[str], op: str, i: int, j: int, token: str) -> list[str]:
    lines = list(lines) or [""]
    i, j = i % len(lines), j % len(lines)
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "value":
        head, sep, _ = lines[i].partition(": ")
        lines[i] = f"{head}{sep or ' '}{token}"
    elif op == "tab":
        lines[i] = "\t" + lines[i]
    elif op == "insert":
        lines.insert(i, token)
    elif op == "truncate":
        lines[i] = lines[i][: j % (len(lines[i]) + 1)]
        del lines[i + 1:]
    elif op == "id":
        for old in IDS[:10]:
            if old in lines[i]:
                lines[i] = lines[i].replace(old, IDS[j % len(IDS)], 1)
                break
    return lines


MUTATION = st.tuples(st.sampled_from(["delete", "duplicate", "swap", "value", "tab", "insert", "truncate", "id"]),
                     st.integers(0, 200), st.integers(0, 200), st.sampled_from(TOKENS + IDS))


@FUZZ
@given(file=st.sampled_from(FILES), mutations=st.lists(MUTATION, min_size=1, max_size=4),
       rename=st.sampled_from([None, "causes/renamed.yaml", "notes/stray.yaml"]))
def test_mutated_fixture(file, mutations, rename):
    lines = (FIXTURE / file).read_text(encoding="utf-8").splitlines()
    for op, i, j, token in mutations:
        lines = _mutate(lines, op, i, j, token)
    with tempfile.TemporaryDirectory() as tmp:
        kb = Path(tmp) / "kb"
        shutil.copytree(FIXTURE, kb)
        target = kb / file
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if rename and file.startswith("causes/"):
            (kb / rename).parent.mkdir(parents=True, exist_ok=True)
            target.rename(kb / rename)
        compiles_or_is_located(kb)
