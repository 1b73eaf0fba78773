"""The built-in knowledge base as a whole: it compiles, it covers the contract and the guide.

The guide is Tobin's "Troubleshooting Deep Neural Networks" (Full Stack Deep Learning): its workflow
(stages), the four ways overfitting a single batch fails, the five most common bugs, what stops a
model from running, and its remedy ladders, in its order.
"""
import re

import networkx as nx
import pytest
from contract import contract_file

from dldoctor.expert.compiler import BUILTIN_KB, compile_kb


# Findings no symptom judges on purpose, with the reason.  Everything else a probe declares must be
# read by at least one symptom, so that a new finding cannot go unnoticed by the KB.
UNUSED_FINDINGS = {
    ("record", "update_ratio_early"): "context of update_ratio_trend, which judges it",
    ("record", "nonfinite_before_frac"): "context for the report: how far into the run the first NaN struck",
    ("runs", "failure_module"): "text for the report: where it crashed, not what kind of crash",
    ("overfit-one-batch", "steps"): "context of the curve",
    ("overfit-one-batch", "nonfinite_step"): "where the loss became non-finite; nonfinite judges it",
    ("lr-range", "configured_lr"): "raw value; log10_lr_ratio judges it (good rates differ per optimizer)",
    ("lr-range", "best_lr"): "raw value; log10_lr_ratio judges it",
    ("lr-range", "diverge_lr"): "raw value; configured_over_diverge judges it",
    ("memory", "device"): "context",
    ("memory", "param_mb"): "breakdown for the report",
    ("memory", "grad_mb"): "breakdown for the report",
    ("memory", "optimizer_mb"): "breakdown for the report",
    ("memory", "activation_mb"): "breakdown for the report",
    ("memory", "activation_mb_per_sample"): "breakdown for the report; max_batch_in_budget judges it",
    ("class-balance", "minority_share"): "depends on the number of classes; imbalance_ratio judges imbalance",
    ("label-alignment", "heldout_score_true"): "chance level depends on the task; learnability_gap judges it",
    ("label-alignment", "heldout_score_permuted"): "the chance reference of learnability_gap",
    ("bias-variance", "source"): "context",
    ("bias-variance", "train_error"): "raw value; avoidable_bias judges it",
    ("bias-variance", "val_error"): "raw value; variance judges it",
    ("bias-variance", "test_error"): "raw value; val_overfitting judges it",
    ("bias-variance", "target_error"): "raw value; avoidable_bias judges it",
    ("batch-independence", "batch_dim"): "context: which inputs dimension was taken as the batch",
    ("frozen-init", "frozen_weight_frac"): "context; params-frozen (grad-flow) judges how much is frozen",
    ("frozen-init", "frozen_std_over_init"): "context for the report; frozen_max_over_init_bound judges the init",
    ("input-stats", "first_layer_input_max_abs"): "one extreme value says nothing of scale; first_layer_input_abs_p99 judges",
    # probe `record` (the watch) has its symptoms in kb/symptoms/record.yaml, owned elsewhere
    ("record", "steps"): "context of a recorded run",
    ("record", "final_train_ratio"): "recorded run; judged through its curve",
    ("record", "best_val_frac"): "recorded run; judged through overtraining",
    # a curve's numbers (probes/curve.py) that its decision list does not read: context for the report
    **{(probe, "curve_" + n): "the curve's level, for the report" for probe in ("history", "record")
       for n in ("end", "low", "low_at", "noise", "nonfinite_at")},
    ("record", "curve_late_share"): "the record has no still-decreasing symptom",
    ("record", "nonfinite_step"): "recorded run; judged through nonfinite",
    ("distributed", "world_size"): "context of a distributed run",
    ("distributed", "ranks_missing"): "reported in the probe's notes; the comparison is over the ranks that wrote",
}

STAGES = ["start-simple", "implement-and-debug", "evaluate", "improve-model-and-data", "tune-hyperparameters"]


@pytest.fixture(scope="module")
def kb():
    return compile_kb()


def contract_ids() -> set[str]:
    """Cause ids of the contract (read line by line: the file is a readable listing, not strict YAML)."""
    return set(re.findall(r"^  ([a-z0-9][a-z0-9-]*):", contract_file("causes.yaml").read_text(encoding="utf-8"), flags=re.M))


def test_compiles(kb):
    assert len(kb.causes) >= 40 and len(kb.symptoms) >= 100 and len(kb.remedies) >= 50


def test_every_contract_cause_is_known(kb):
    ids = contract_ids()
    assert len(ids) >= 30
    assert ids <= set(kb.causes), sorted(ids - set(kb.causes))


def test_every_cause_has_remedies_and_both_kinds_of_case(kb):
    for cid, c in kb.causes.items():
        assert c.remedies, cid
        assert c.cases.ranks_top, f"{cid}: no ranks_top case"
        assert c.cases.stays_below, f"{cid}: no stays_below case"


def test_causes_are_sized_and_referenced(kb):
    for cid, c in kb.causes.items():
        assert 0.01 <= c.prior <= 0.1, cid
        assert any(r.url.startswith("http") for r in c.references), f"{cid}: no reference with a link"
        lines = len((BUILTIN_KB / "causes" / f"{cid}.yaml").read_text(encoding="utf-8").splitlines())
        assert lines <= 60, f"{cid}.yaml has {lines} lines"


def test_every_finding_is_judged_or_listed_as_unused(kb):
    from dldoctor.expert.predicate import finding_names

    judged = {(s.probe.probe, n) for s in kb.symptoms.values() if s.probe for n in finding_names(s.probe)}
    declared = {(pid, f.name) for pid, spec in kb.probes.items() for f in spec.findings}
    assert set(UNUSED_FINDINGS) <= declared, sorted(set(UNUSED_FINDINGS) - declared)
    missing = declared - judged - set(UNUSED_FINDINGS)
    assert not missing, f"findings no symptom reads: {sorted(missing)}"


def test_stages_are_the_guides_and_all_reachable(kb):
    assert set(STAGES) <= set(kb.stages)
    flow = kb.graph.subgraph(f"stage:{s}" for s in kb.stages)
    assert nx.is_directed_acyclic_graph(flow)
    reached = {"stage:start-simple"} | nx.descendants(flow, "stage:start-simple")
    assert reached == set(flow.nodes)
    order = kb.stage_order()
    assert [s for s in order if s in STAGES] == STAGES


def _positive(kb, symptom):
    return {e.cause for e in kb.by_symptom[symptom] if e.weight > 0}


@pytest.mark.parametrize("symptom, causes", [
    ("overfit-goes-up", {"loss-sign-flipped", "lr-too-high", "softmax-wrong-dim"}),
    ("overfit-explodes", {"numerical-instability", "lr-too-high"}),
    ("overfit-oscillates", {"labels-misaligned", "corrupted-inputs", "lr-too-high"}),
    ("overfit-plateaus", {"lr-too-low", "gradient-blocked", "frozen-parameters", "over-regularized",
                          "wrong-loss-input", "labels-misaligned", "corrupted-inputs"}),
])
def test_the_four_ways_overfitting_one_batch_fails(kb, symptom, causes):
    assert causes <= _positive(kb, symptom)
    for cid in causes:
        assert f"guide-{symptom}" in kb.causes[cid].tags, cid


@pytest.mark.parametrize("symptom, cause", [
    ("crash-shape-mismatch", "shape-mismatch"),
    ("crash-dtype", "dtype-casting"),
    ("crash-out-of-memory", "out-of-memory"),
    ("crash-device", "device-mismatch"),
    ("crash-label-out-of-range", "label-range-mismatch"),
    ("crash-other", "code-crash"),
])
def test_what_stops_a_model_from_running(kb, symptom, cause):
    assert cause in _positive(kb, symptom)
    assert "stops-the-model-running" in kb.causes[cause].tags


def test_every_crash_kind_is_judged(kb):
    kinds = set(kb.probes["runs"].finding("failure_kind").values) - {"none"}
    judged = {s.probe.equals for s in kb.symptoms.values() if s.probe and s.probe.finding == "failure_kind"}
    assert kinds <= judged


def test_five_most_common_bugs(kb):
    tagged = {cid for cid, c in kb.causes.items() if "five-most-common-bugs" in c.tags}
    # incorrect tensor shapes, pre-processing inputs incorrectly, incorrect input to the loss,
    # forgot to set up train mode, numerical instability
    assert {"shape-mismatch", "inputs-not-normalized", "wrong-loss-input", "wrong-train-eval-mode",
            "numerical-instability"} <= tagged


def test_remedy_ladders_follow_the_guide(kb):
    assert list(kb.causes["high-bias"].remedies) == [
        "make-model-bigger", "reduce-regularization", "error-analysis", "choose-different-architecture",
        "tune-hyperparameters", "add-features"]
    assert list(kb.causes["high-variance"].remedies) == [
        "add-training-data", "add-normalization", "add-data-augmentation", "increase-regularization",
        "error-analysis", "choose-different-architecture", "tune-hyperparameters", "early-stopping",
        "remove-features", "reduce-model-size"]
    assert list(kb.causes["distribution-shift"].remedies) == [
        "analyze-test-val-errors", "synthesize-training-data", "domain-adaptation"]
    assert list(kb.causes["validation-overfitting"].remedies) == ["rebalance-datasets"]
    known = kb.remedies["compare-to-known-result"].steps
    assert len(known) == 7 and "Official" in known[0] and "baselines" in known[-1]
    assert "3e-4" in " ".join(kb.remedies["use-sensible-defaults"].steps)


def test_remedies_are_concrete(kb):
    for rid, r in kb.remedies.items():
        assert r.steps and all(len(s) > 15 for s in r.steps), rid
