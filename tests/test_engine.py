"""The inference engine on the small fixture KB: beliefs, contributions, next step, stopping."""
from pathlib import Path

import pytest

from dldoctor.expert import engine as E
from dldoctor.expert.compiler import compile_kb

FIXTURE = Path(__file__).parent / "kb_fixture"


@pytest.fixture(scope="module")
def kb():
    return compile_kb([], builtin_dir=FIXTURE)


def obs(**present):
    return {k.replace("_", "-"): E.Observation(k.replace("_", "-"), v, 1.0, v, "test") for k, v in present.items()}


def test_no_evidence_gives_the_priors(kb):
    beliefs = {b.cause: b.score for b in E.rank(kb, {})}
    assert beliefs == pytest.approx({cid: c.prior for cid, c in kb.causes.items()})


def test_belief_follows_the_log_odds_formula(kb):
    b = {x.cause: x for x in E.rank(kb, obs(loss_explodes=True, lr_far_above_best=True))}["lr-too-high"]
    expected = E.sigmoid(E.logit(0.05) + 1.5 + 4.0)
    assert b.score == pytest.approx(expected)
    assert [(c.symptom, c.delta) for c in b.contributions] == [("lr-far-above-best", 4.0), ("loss-explodes", 1.5)]


def test_absence_and_confidence_scale_the_terms(kb):
    o = {"lr-far-above-best": E.Observation("lr-far-above-best", False, 0.5, 0.2, "lr-range")}
    b = {x.cause: x for x in E.rank(kb, o)}["lr-too-high"]
    assert b.score == pytest.approx(E.sigmoid(E.logit(0.05) - 2.0 * 0.5))


def test_explaining_away_separates_look_alikes(kb):
    ranking = E.rank(kb, obs(loss_oscillates=True, lr_far_above_best=True, grads_accumulate=True))
    assert ranking[0].cause == "missing-zero-grad"
    assert {b.cause: b.score for b in ranking}["lr-too-high"] < 0.5


def test_unknown_observation_changes_nothing(kb):
    o = {"loss-explodes": E.Observation("loss-explodes", None, 1.0, None, "x")}
    assert [b.score for b in E.rank(kb, o)] == [b.score for b in E.rank(kb, {})]


def test_plan_prefers_information_per_second(kb):
    steps = E.plan(kb, {}, ["overfit-one-batch", "lr-range", "train-step-audit"])
    assert {s.id for s in steps} == {"overfit-one-batch", "lr-range", "train-step-audit"}
    assert steps == sorted(steps, key=lambda a: -a.value)
    assert all(s.value > 0 for s in steps)
    # the cheap, decisive audit beats the expensive, ambiguous single-batch fit
    order = [s.id for s in steps]
    assert order.index("train-step-audit") < order.index("overfit-one-batch")


def test_plan_never_offers_known_symptoms_and_stops_when_nothing_can_change(kb):
    known = obs(loss_explodes=False, loss_oscillates=False, lr_far_above_best=False, grads_accumulate=False)
    assert E.plan(kb, known, ["overfit-one-batch", "lr-range", "train-step-audit"]) == []
    steps = E.plan(kb, obs(loss_explodes=False), ["overfit-one-batch"])
    assert all("loss-explodes" not in s.symptoms for s in steps)


def test_questions_are_offered_only_where_no_probe_answers(kb):
    steps = E.plan(kb, {}, ["overfit-one-batch"], questions=True)
    questions = [s.id for s in steps if s.kind == "question"]
    assert "tuned-on-val-often" in questions
    assert "loss-explodes" not in questions  # the probe on offer answers it


def test_could_change_is_false_for_a_decided_ranking(kb):
    decided = obs(grads_accumulate=True, lr_far_above_best=False)
    lo = E.log_odds(kb, decided)
    # the single-batch curve can no longer dethrone missing-zero-grad nor cross anyone over 0.5 ... or can it?
    change = E.could_change(kb, lo, ["loss-explodes", "loss-oscillates"], 0.5)
    top = max(lo, key=lo.get)
    assert top == "missing-zero-grad"
    assert change is False


def test_judge_applies_the_kb_thresholds(kb):
    got = E.judge(kb, "lr-range", {"log10_lr_ratio": 1.3})
    assert got["lr-far-above-best"].present is True
    assert E.judge(kb, "lr-range", {"log10_lr_ratio": 0.2})["lr-far-above-best"].present is False
    assert E.judge(kb, "lr-range", {"log10_lr_ratio": None})["lr-far-above-best"].present is None


def test_answer_parses_yes_no_unknown():
    assert E.answer("s", "yes").present is True
    assert E.answer("s", "No").present is False
    assert E.answer("s", "unknown").present is None
