"""Explaining away (kb/evidence/explaining-away.yaml): where one cause produces another's symptoms, the
root ranks first - a rate far too high over the dead units and small updates it leaves, logits into
NLLLoss over a flipped sign, a softmax over the batch over a mixed-up tensor layout."""
from __future__ import annotations

from zoo.context import findings, ranking
from zoo.faults import log_softmax_output
from zoo.models import mlp
from zoo.subjects import digits_subject
from torch import nn


def test_a_rate_far_too_high_ranks_above_the_dead_units_it_killed():
    top = ranking({"lr-far-above-best": "yes", "lr-configured-diverges": "yes", "relus-dead": "yes",
                   "overfit-plateaus": "yes", "update-too-small": "yes", "grad-norm-tiny": "yes",
                   "grads-accumulate": "no", "first-layer-inputs-large": "no", "grad-norm-huge": "no"})
    assert top[0][0] == "lr-too-high", top[:3]
    scores = dict(top)
    assert scores["dead-relu"] < scores["lr-too-high"] and scores["lr-too-low"] < 0.5


def test_dead_units_without_a_bad_rate_still_rank_dead_relu():
    top = ranking({"lr-far-above-best": "no", "relus-dead": "yes", "params-without-grad": "yes", "overfit-plateaus": "yes"})
    assert top[0][0] == "dead-relu", top[:3]


def test_logits_into_nll_loss_are_a_wrong_loss_input_not_a_flipped_sign():
    top = ranking({"log-probabilities-expected": "yes", "init-loss-negative": "yes", "init-loss-ratio-negative": "yes",
                   "overfit-goes-up": "yes", "outputs-are-probabilities": "no", "loss-rises-in-step": "yes"})
    assert top[0][0] == "wrong-loss-input", top[:3]
    assert dict(top)["loss-sign-flipped"] < 0.5


def test_a_negated_loss_is_still_a_flipped_sign():
    top = ranking({"log-probabilities-expected": "no", "init-loss-negative": "yes", "init-loss-ratio-negative": "yes",
                   "overfit-goes-up": "yes", "outputs-are-probabilities": "no", "loss-rises-in-step": "yes"})
    assert top[0][0] == "loss-sign-flipped", top[:3]


def test_output_vs_target_sees_logits_given_to_nll_loss():
    from judged import holds

    def logits_to_nll(subject):
        return holds("output-vs-target", findings("output-vs-target", subject), "log-probabilities-expected")

    assert logits_to_nll(digits_subject(loss_fn=nn.NLLLoss())) is True
    log_softmax = log_softmax_output(mlp())
    assert logits_to_nll(digits_subject(log_softmax, loss_fn=nn.NLLLoss())) is False
    assert logits_to_nll(digits_subject()) is False  # cross-entropy takes logits


def test_a_softmax_over_the_batch_is_softmax_wrong_dim_not_a_shape_mismatch():
    top = ranking({"crashes": "no", "outputs-mix-examples": "yes", "normalized-over-batch": "yes", "overfit-goes-up": "yes"})
    assert top[0][0] == "softmax-wrong-dim", top[:3]
    assert dict(top)["shape-mismatch"] < 0.5
