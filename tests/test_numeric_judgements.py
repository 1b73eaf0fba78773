"""Judgements that probes used to make in Python (issue 12) are the KB's: each threshold of each moved
symptom is pinned here by a measured value just on each side of it, so a test fails when the YAML
threshold moves.  The findings are plain numbers, judged through the built-in KB (torch only in the
last tests, which run the probes on outputs that are not finite and on constant layers).

The thresholds and their reasons: kb/symptoms/output-vs-target.yaml, activations.yaml,
input-stats.yaml, loss-at-init.yaml, record.yaml.
"""
from __future__ import annotations

import pytest
from judged import holds

# A softmax over 10 classes before CrossEntropyLoss, as probe output-vs-target measures it.
SOFTMAX_CE = {"loss_kind": "cross-entropy", "output_columns": 10, "class_prob_dev": 1e-7, "class_logprob_dev": 2.3,
              "batch_prob_dev": 13.7, "batch_logprob_dev": 4.3, "output_min": 1e-3, "output_max": 0.9,
              "output_mean": 0.1, "output_spread": 0.9}
# One sigmoid output before BCEWithLogitsLoss.
SIGMOID_BCE_LOGITS = {"loss_kind": "bce-logits", "output_columns": 1, "class_prob_dev": 0.9, "class_logprob_dev": 0.7,
                      "batch_prob_dev": 30.0, "batch_logprob_dev": 4.0, "output_min": 0.05, "output_max": 0.95,
                      "output_mean": 0.5, "output_spread": 0.9}
LOG_SOFTMAX_CE = dict(SOFTMAX_CE, class_prob_dev=0.99, class_logprob_dev=1e-7, output_min=-9.0, output_max=-0.1)
LOGITS_NLL = dict(SOFTMAX_CE, loss_kind="nll", class_prob_dev=1.3, class_logprob_dev=2.4, output_min=-0.35, output_max=0.25)
SOFTMAX_OVER_BATCH = dict(SOFTMAX_CE, batch_prob_dev=1e-7, batch_logprob_dev=4.2, class_prob_dev=0.8, class_logprob_dev=2.1)
# A watch record whose loss stayed at chance, C read from the output width.
RECORD_AT_CHANCE = {"loss_over_chance_end": 0.95, "loss_over_chance_start": 1.0, "classes_given": False}

# (symptom, probe, base findings (the symptom holds), finding, value that keeps it, value that breaks it)
EDGES = [
    # rows sum to 1 within 1e-3 over the classes
    ("outputs-are-probabilities", "output-vs-target", SOFTMAX_CE, "class_prob_dev", 0.9e-3, 1.1e-3),
    ("outputs-are-probabilities", "output-vs-target", dict(SOFTMAX_CE, output_spread=0.4), "output_columns", 2, 1),
    ("outputs-are-probabilities", "output-vs-target", SOFTMAX_CE, "loss_kind", "bce-logits", "bce"),
    ("outputs-are-probabilities", "output-vs-target", SOFTMAX_CE, "loss_kind", "cross-entropy", "nll"),
    # one output: in [0, 1], and centred at 0.25 or more or spread over half the interval
    ("outputs-are-probabilities", "output-vs-target", SIGMOID_BCE_LOGITS, "output_min", 0.0, -1e-3),
    ("outputs-are-probabilities", "output-vs-target", SIGMOID_BCE_LOGITS, "output_max", 1.0, 1.001),
    ("outputs-are-probabilities", "output-vs-target", dict(SIGMOID_BCE_LOGITS, output_spread=0.4), "output_mean", 0.25, 0.24),
    ("outputs-are-probabilities", "output-vs-target", dict(SIGMOID_BCE_LOGITS, output_mean=0.1), "output_spread", 0.5, 0.49),
    ("outputs-are-probabilities", "output-vs-target", SIGMOID_BCE_LOGITS, "output_columns", 1, 2),
    # logsumexp 0 within 1e-3 over the classes, for cross-entropy
    ("outputs-are-log-probabilities", "output-vs-target", LOG_SOFTMAX_CE, "class_logprob_dev", 0.9e-3, 1.1e-3),
    ("outputs-are-log-probabilities", "output-vs-target", LOG_SOFTMAX_CE, "loss_kind", "cross-entropy", "bce-logits"),
    ("outputs-are-log-probabilities", "output-vs-target", LOG_SOFTMAX_CE, "output_columns", 2, 1),
    # NLLLoss / KLDivLoss on rows that are neither log-probabilities nor probabilities, nor log-softmaxed over the batch
    ("log-probabilities-expected", "output-vs-target", LOGITS_NLL, "class_logprob_dev", 1.1e-3, 0.9e-3),
    ("log-probabilities-expected", "output-vs-target", LOGITS_NLL, "class_prob_dev", 1.1e-3, 0.9e-3),
    ("log-probabilities-expected", "output-vs-target", LOGITS_NLL, "batch_logprob_dev", 1.1e-3, 0.9e-3),
    ("log-probabilities-expected", "output-vs-target", LOGITS_NLL, "loss_kind", "kl", "cross-entropy"),
    ("log-probabilities-expected", "output-vs-target", LOGITS_NLL, "output_columns", 2, 1),
    # normalized over the batch within 1e-3, and not over the classes
    ("normalized-over-batch", "output-vs-target", SOFTMAX_OVER_BATCH, "batch_prob_dev", 0.9e-3, 1.1e-3),
    ("normalized-over-batch", "output-vs-target", dict(SOFTMAX_OVER_BATCH, batch_prob_dev=5.0, batch_logprob_dev=1e-7), "batch_logprob_dev", 0.9e-3, 1.1e-3),
    ("normalized-over-batch", "output-vs-target", SOFTMAX_OVER_BATCH, "class_prob_dev", 1.1e-3, 0.9e-3),
    ("normalized-over-batch", "output-vs-target", SOFTMAX_OVER_BATCH, "class_logprob_dev", 1.1e-3, 0.9e-3),
    # class labels outside 0 .. C - 1 (a fact without tolerance, judged in the KB all the same)
    ("label-out-of-range", "output-vs-target", {"label_min": 1, "label_max": 10, "num_outputs": 10}, "label_max", 10, 9),
    ("label-out-of-range", "output-vs-target", {"label_min": -1, "label_max": 5, "num_outputs": 10}, "label_min", -1, 0),
    # a weight layer without spread: std below 1e-6 of its largest weight
    ("weights-constant", "activations", {"weight_spread_min": 0.0}, "weight_spread_min", 0.9e-6, 1.1e-6),
    # affine: the mixing residual within 1e-4 of the output change or 1e-6 of the output size
    ("model-is-affine", "activations", {"affine_residual": 1e-8, "affine_residual_of_output": 0.05}, "affine_residual", 1e-4, 1.1e-4),
    ("model-is-affine", "activations", {"affine_residual": 0.15, "affine_residual_of_output": 1e-8}, "affine_residual_of_output", 1e-6, 1.1e-6),
    # raw 8-bit pixels: all whole numbers, none below 0, reaching 128 and not past 255
    ("raw-pixels", "input-stats", {"integer_share": 1.0, "raw_min": 0.0, "raw_max_abs": 255.0}, "integer_share", 1.0, 0.999),
    ("raw-pixels", "input-stats", {"integer_share": 1.0, "raw_min": 0.0, "raw_max_abs": 255.0}, "raw_min", 0.0, -1.0),
    ("raw-pixels", "input-stats", {"integer_share": 1.0, "raw_min": 0.0, "raw_max_abs": 255.0}, "raw_max_abs", 128.0, 127.0),
    ("raw-pixels", "input-stats", {"integer_share": 1.0, "raw_min": 0.0, "raw_max_abs": 200.0}, "raw_max_abs", 255.0, 256.0),
    # a loss that cannot be negative (a positive uninformed loss) is more than 1e-6 below zero
    ("init-loss-negative", "loss-at-init", {"init_loss": -2.3, "expected_loss": 2.3}, "init_loss", -1.1e-6, -0.9e-6),
    ("init-loss-negative", "loss-at-init", {"init_loss": -2.3, "expected_loss": 2.3}, "expected_loss", 1e-9, 0.0),
    # the watch's record: a loss that ended within 10 % of ln C, C told or read from a width whose ln the loss started near
    ("record-loss-at-chance", "record", RECORD_AT_CHANCE, "loss_over_chance_end", 0.91, 0.89),
    ("record-loss-at-chance", "record", RECORD_AT_CHANCE, "loss_over_chance_start", 0.5, 0.49),
    ("record-loss-at-chance", "record", RECORD_AT_CHANCE, "loss_over_chance_start", 2.0, 2.01),
    ("record-loss-at-chance", "record", dict(RECORD_AT_CHANCE, loss_over_chance_start=3.0, classes_given=True), "classes_given", True, False),
]


@pytest.mark.parametrize("symptom, probe, base, finding, keeps, breaks", EDGES,
                         ids=[f"{e[0]}:{e[3]}={e[4]}|{e[5]}" for e in EDGES])
def test_the_threshold_sits_between_the_two_values(symptom, probe, base, finding, keeps, breaks):
    assert holds(probe, base, symptom) is True
    assert holds(probe, dict(base, **{finding: keeps}), symptom) is True
    assert holds(probe, dict(base, **{finding: breaks}), symptom) is False


@pytest.mark.parametrize("symptom, probe, base", sorted({(e[0], e[1], id(e[2])): e[:3] for e in EDGES}.values(), key=str))
def test_every_finding_unknown_leaves_the_judgement_unknown(symptom, probe, base):
    assert holds(probe, dict.fromkeys(base), symptom) is None


def test_healthy_logits_are_none_of_the_output_symptoms():
    logits_ce = dict(SOFTMAX_CE, class_prob_dev=1.28, class_logprob_dev=2.36, output_min=-0.35, output_max=0.24,
                     output_mean=0.014, output_spread=0.59)  # tests/fixtures/probe_results.json: healthy_digits_mlp
    for symptom in ("outputs-are-probabilities", "outputs-are-log-probabilities", "log-probabilities-expected", "normalized-over-batch"):
        assert holds("output-vs-target", logits_ce, symptom) is False, symptom


def test_an_unrecognised_loss_leaves_probabilities_unknown_only_when_the_outputs_look_like_them():
    # the loss's expectation is unknown: softmaxed rows may or may not be a fault, plain logits are none
    assert holds("output-vs-target", dict(SOFTMAX_CE, loss_kind=None), "outputs-are-probabilities") is None
    logits = dict(SOFTMAX_CE, loss_kind=None, class_prob_dev=1.28, output_min=-0.35)
    assert holds("output-vs-target", logits, "outputs-are-probabilities") is False


def test_outputs_that_are_not_finite_leave_affinity_and_probabilities_unmeasured():
    # NaN inputs (a zero-std normalisation) give NaN outputs: nothing is measured, so nothing is judged
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dldoctor.expert.subject import Subject
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    torch.manual_seed(0)
    x = torch.randn(64, 4)
    x[:, 0] = float("nan")
    subject = Subject(model=nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)),
                      train_data=DataLoader(TensorDataset(x, torch.randint(0, 3, (64,))), batch_size=32),
                      loss_fn=nn.CrossEntropyLoss())
    act = run_probe("activations", subject, ProbeContext()).findings
    assert act["affine_residual"] is None and act["affine_residual_of_output"] is None
    assert holds("activations", act, "model-is-affine") is None
    out = run_probe("output-vs-target", subject, ProbeContext()).findings
    assert out["class_prob_dev"] is None and out["output_min"] is None
    assert holds("output-vs-target", out, "outputs-are-probabilities") is None


@pytest.mark.parametrize("init, constant", [("constant", True), ("zeros", True), ("eye", False), ("default", False)])
def test_a_constant_layer_has_no_spread_and_an_identity_or_default_one_has(init, constant):
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dldoctor.expert.subject import Subject
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    w = model[0].weight
    with torch.no_grad():
        {"constant": lambda: nn.init.constant_(w, 0.05), "zeros": lambda: nn.init.zeros_(w),
         "eye": lambda: nn.init.eye_(w), "default": lambda: None}[init]()
    x = torch.randn(64, 8)
    subject = Subject(model=model, train_data=DataLoader(TensorDataset(x, torch.randint(0, 3, (64,))), batch_size=32),
                      loss_fn=nn.CrossEntropyLoss())
    f = run_probe("activations", subject, ProbeContext()).findings
    assert holds("activations", f, "weights-constant") is constant, f["weight_spread_min"]
