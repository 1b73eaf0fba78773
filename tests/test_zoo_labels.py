"""The fault zoo's labels: cases.yaml is well formed, covers the contract, and every target loads.

Accuracy is measured by ``dldoctor bench``; these checks only make sure the benchmark measures
what it claims: each contract cause expected somewhere, enough healthy targets, the look-alike
pairs present, and every file a usable target (its ``subject()`` returns the contract's keys).
"""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from contract import contract_file
import yaml

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "examples" / "zoo"

# The contract's cause ids (they may not be renamed or dropped, so a copy here is safe).
CONTRACT_IDS = {
    "shape-mismatch", "loss-broadcasting", "dtype-casting", "wrong-loss-input", "softmax-wrong-dim",
    "loss-sign-flipped", "missing-zero-grad", "wrong-train-eval-mode", "frozen-parameters", "gradient-blocked",
    "numerical-instability", "labels-misaligned", "label-range-mismatch", "inputs-not-normalized",
    "missing-nonlinearity", "bad-weight-init", "dead-relu", "vanishing-gradients", "exploding-gradients",
    "memory-leak-retained-graph", "out-of-memory", "lr-too-high", "lr-too-low", "over-regularized",
    "unshuffled-sorted-data", "class-imbalance", "noisy-labels", "train-test-leakage", "distribution-shift",
    "high-bias", "high-variance", "validation-overfitting",
}
# Pairs the issue asks for on purpose: (cause of one case, cause of its look-alike).
LOOKALIKE_CAUSES = [("missing-zero-grad", "lr-too-high"), ("inputs-not-normalized", "lr-too-high"),
                    ("frozen-parameters", "lr-too-low")]
KEYS = {"file", "expected", "acceptable", "fast", "source"}
REQUIRED = {"model", "train_data", "loss_fn"}
OPTIONAL = {"optimizer", "train_step", "forward", "val_data", "test_data", "task", "num_classes", "history", "target_error"}


@pytest.fixture(scope="module")
def zoo() -> dict:
    return yaml.safe_load((ZOO / "cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cases(zoo) -> list[dict]:
    return zoo["cases"]


def kb_cause_ids() -> set[str]:
    return {p.stem for p in (ROOT / "kb" / "causes").glob("*.yaml")}


def test_the_contract_copy_matches_the_shared_contract():
    ids = set(re.findall(r"^  ([a-z0-9-]+):", contract_file("causes.yaml").read_text(encoding="utf-8"), re.M))
    assert ids == CONTRACT_IDS


def test_every_case_is_well_formed(cases):
    files = [c["file"] for c in cases]
    assert len(files) == len(set(files)), "a file is listed twice"
    known = CONTRACT_IDS | kb_cause_ids()
    for c in cases:
        assert set(c) == KEYS, f"{c.get('file')}: keys {sorted(set(c) ^ KEYS)}"
        assert (ZOO / c["file"]).is_file(), f"{c['file']}: no such file"
        assert isinstance(c["fast"], bool) and isinstance(c["acceptable"], list), c["file"]
        assert c["source"].strip(), f"{c['file']}: say where the story comes from"
        assert c["expected"] == "healthy" or c["expected"] in known, f"{c['file']}: unknown cause {c['expected']}"
        for other in c["acceptable"]:
            assert other in known and other != c["expected"], f"{c['file']}: acceptable {other}"
        if c["expected"] == "healthy":
            assert not c["acceptable"], f"{c['file']}: a healthy case accepts nothing else"


def test_every_zoo_file_is_listed(cases):
    listed = {c["file"] for c in cases}
    assert {p.name for p in ZOO.glob("*.py")} == listed


def test_the_zoo_covers_every_contract_cause(cases):
    expected = {c["expected"] for c in cases}
    assert CONTRACT_IDS - expected == set()


def test_the_zoo_is_large_enough(cases):
    healthy = [c for c in cases if c["expected"] == "healthy"]
    multi = [c for c in cases if c["acceptable"]]
    fast = [c for c in cases if c["fast"]]
    assert len(cases) >= 40 and len(healthy) >= 8 and len(multi) >= 3
    assert 8 <= len(fast) <= 14 and any(c["expected"] == "healthy" for c in fast)


def test_the_lookalike_pairs_are_present(zoo, cases):
    by_file = {c["file"]: c["expected"] for c in cases}
    pairs = [tuple(p) for p in zoo["lookalikes"]]
    assert all(a in by_file and b in by_file for a, b in pairs)
    labelled = {(by_file[a], by_file[b]) for a, b in pairs}
    for pair in LOOKALIKE_CAUSES:
        assert pair in labelled, f"no look-alike pair {pair}"


def load_target(path: Path):
    """Import a target file as ``dldoctor diagnose`` would: its own folder importable while it loads."""
    spec = importlib.util.spec_from_file_location(f"zoo_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


@pytest.mark.parametrize("path", sorted(ZOO.glob("*.py")), ids=lambda p: p.stem)
def test_each_target_returns_a_subject(path):
    import torch

    module = load_target(path)
    assert (module.__doc__ or "").strip(), f"{path.name}: the docstring tells the story"
    subject = module.subject()
    assert isinstance(subject, dict)
    assert REQUIRED <= set(subject) <= REQUIRED | OPTIONAL, sorted(set(subject) - REQUIRED - OPTIONAL)
    assert isinstance(subject["model"], torch.nn.Module) and callable(subject["loss_fn"])
    batch = next(iter(subject["train_data"]))
    assert isinstance(batch, (tuple, list)) and len(batch) == 2
    if isinstance(subject.get("history"), str):
        assert (path.parent / subject["history"]).is_file()
