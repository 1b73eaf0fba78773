"""The report corpus' labels: the split rule holds, cases.yaml is well formed, and every target loads.

examples/reports/README.md fixes the split: a file belongs to tune/ when the sha256 of its bare name is even, to
frozen/ when odd. These checks make sure no file sits in the wrong half (so none can be moved after seeing a
result), that each half has healthy controls, that every file opens with its source, and that every subject()
returns the contract's keys. Accuracy is measured by ``dldoctor bench --set tune|frozen``.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from test_zoo_labels import CONTRACT_IDS

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "examples" / "reports"
HALVES = ("tune", "frozen")
KEYS = {"file", "expected", "acceptable", "source"}
REQUIRED = {"model", "train_data"}  # loss_fn may be left out when the model's output carries .loss
OPTIONAL = {"loss_fn", "optimizer", "train_step", "forward", "val_data", "test_data", "task", "num_classes",
            "history", "target_error", "target_key"}
FILES = sorted(p for half in HALVES for p in (REPORTS / half).glob("*.py"))


def half_of(name: str) -> str:
    return "tune" if int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "frozen"


def cases(half: str) -> list[dict]:
    return yaml.safe_load((REPORTS / half / "cases.yaml").read_text(encoding="utf-8"))["cases"]


def kb_cause_ids() -> set[str]:
    return {p.stem for p in (ROOT / "kb" / "causes").glob("*.yaml")}


def test_half_of_follows_the_rule_in_the_readme():
    assert "sha256" in (REPORTS / "README.md").read_text(encoding="utf-8")
    assert half_of("a.py") == ("tune" if int(hashlib.sha256(b"a.py").hexdigest(), 16) % 2 == 0 else "frozen")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_sits_in_the_half_the_rule_gives_it(path):
    assert path.parent.name == half_of(path.name)


@pytest.mark.parametrize("half", HALVES)
def test_cases_yaml_lists_every_file_once_and_is_well_formed(half):
    listed = [c["file"] for c in cases(half)]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert set(listed) == {p.name for p in (REPORTS / half).glob("*.py")}
    known = CONTRACT_IDS | kb_cause_ids()
    for c in cases(half):
        assert set(c) == KEYS, f"{c['file']}: keys {sorted(set(c) ^ KEYS)}"
        assert c["source"].strip(), f"{c['file']}: say where the report comes from"
        assert c["expected"] == "healthy" or c["expected"] in known, f"{c['file']}: unknown cause {c['expected']}"
        assert (c["expected"] == "healthy") == c["file"].startswith("healthy_"), c["file"]
        for other in c["acceptable"]:
            assert other in known and other != c["expected"], f"{c['file']}: acceptable {other}"


def test_the_corpus_is_large_enough_and_both_halves_have_controls():
    every = [c for half in HALVES for c in cases(half)]
    faulty = [c for c in every if c["expected"] != "healthy"]
    assert len(faulty) >= 40 and len(every) - len(faulty) >= 15
    for half in HALVES:
        assert sum(c["expected"] == "healthy" for c in cases(half)) >= 5, half
        assert sum(c["expected"] != "healthy" for c in cases(half)) >= 15, half


@pytest.mark.parametrize("path", [p for p in FILES if not p.name.startswith("healthy_")], ids=lambda p: p.name)
def test_each_report_opens_with_its_source(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc and doc.startswith("Source: ") and ("http" in doc.splitlines()[0] or "#" in doc.splitlines()[0]), path.name
    assert len(doc.split("\n\n")) >= 2, f"{path.name}: then what the reporter saw"


def load_target(path: Path):
    spec = importlib.util.spec_from_file_location(f"report_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_target_returns_a_subject(path):
    import torch

    subject = load_target(path).subject()
    assert isinstance(subject, dict)
    assert REQUIRED <= set(subject) <= REQUIRED | OPTIONAL, sorted(set(subject) - REQUIRED - OPTIONAL)
    assert isinstance(subject["model"], torch.nn.Module)
    batch = next(iter(subject["train_data"]))
    assert isinstance(batch, dict) and "labels" in batch if "loss_fn" not in subject else len(batch) == 2
