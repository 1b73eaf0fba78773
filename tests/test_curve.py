"""The curve's shape on synthetic loss curves, each by its textbook form, with noise: probes.curve
measures, the KB's history symptoms (kb/symptoms/history.yaml) judge — so these tests fail when a YAML
threshold of the decision list moves.

Noise is multiplicative (a share of the loss), as mini-batch noise is; every case is checked over
several seeds so that a threshold sitting on the noise would show.
"""
from __future__ import annotations

import math
import random

import pytest

from dldoctor.expert.engine import judge
from dldoctor.expert.knowledge import load_kb
from dldoctor.probes.curve import NUMBERS, measure, noise

SHAPES = {"history-explodes": "explodes", "history-goes-up": "goes-up", "history-oscillates": "oscillates",
          "history-plateaus": "plateaus", "history-still-decreasing": "decreasing"}


def classify(values) -> dict:
    """The measured numbers and the shape the KB's decision list gives them (None: too short to judge)."""
    numbers = measure(values)
    seen = judge(load_kb(), "history", {"curve_" + k: numbers[k] for k in NUMBERS})
    present = [SHAPES[s] for s in SHAPES if seen[s].present]
    assert len(present) <= 1, present  # the decision list's shapes exclude each other
    if present:
        shape = present[0]
    elif all(seen[s].present is False for s in SHAPES):
        shape = "converges"
    else:
        shape = None
    return dict(numbers, shape=shape)


def curve(f, n, rel_noise=0.0, seed=0):
    rng = random.Random(seed)
    return [f(i / (n - 1)) * (1 + rel_noise * rng.gauss(0, 1)) for i in range(n)]


CASES = {
    # exponential decay over 8 time constants: the last quarter brings ~0.2% of the drop
    "converges": lambda t: 0.1 + 2.2 * math.exp(-8 * t),
    # a power-law curve (1/t-like), the usual shape of a trained network's loss
    "converges-power": lambda t: 2.3 / (1 + 50 * t),
    # a straight line: the last quarter brings 25% of the drop
    "decreasing": lambda t: 2.3 - 1.5 * t,
    # stuck at ln(10)
    "plateaus": lambda t: 2.3,
    # falls, then climbs back above half its start (lr schedule gone wrong, divergence setting in)
    "goes-up": lambda t: 0.3 + 2.0 * math.exp(-10 * t) + 2.0 * max(0.0, t - 0.4),
    # geometric growth: 2.3 -> 126
    "explodes": lambda t: 2.3 * math.exp(4 * t),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("n,rel_noise", [(12, 0.01), (40, 0.05), (400, 0.05)])
def test_textbook_shapes_are_recognised(name, n, rel_noise):
    want = name.split("-power")[0]
    for seed in range(5):
        got = classify(curve(CASES[name], n, rel_noise, seed))
        assert got["shape"] == want, (seed, got)


@pytest.mark.parametrize("n", [12, 40, 400])
def test_lr_too_high_bouncing_oscillates(n):
    # swings of +-0.8 around 1.5, no net progress: what a too-high learning rate draws
    for seed in range(5):
        rng = random.Random(seed)
        values = [1.5 + 0.8 * math.sin(1.7 * i) + 0.05 * rng.gauss(0, 1) for i in range(n)]
        assert classify(values)["shape"] == "oscillates"


def test_noisy_minibatch_curve_that_learns_is_not_oscillating():
    # 10% per-step noise on a healthy decay: noise is ~2% of the total drop
    for seed in range(5):
        got = classify(curve(CASES["converges"], 300, 0.10, seed))
        assert got["shape"] == "converges" and got["noise"] < 0.1 * (got["start"] - got["end"])


def test_nan_is_an_explosion_and_says_where():
    values = [2.3, 1.5, 1.0, 0.8, 3.0, 40.0, float("nan"), float("nan")]
    got = classify(values)
    assert got["shape"] == "explodes" and got["nonfinite_at"] == pytest.approx(6 / 7)


def test_numbers():
    got = classify([2.0, 2.0, 2.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    assert (got["start"], got["end"], got["ratio"], got["drop"]) == (2.0, 0.5, 0.25, 0.75)
    assert got["shape"] == "converges" and got["late_share"] == 0.0


def test_too_short_has_no_shape():
    assert classify([1.0, 0.5, 0.2])["shape"] is None
    assert classify([])["n"] == 0


def test_noise_estimate_ignores_a_straight_trend_and_reads_white_noise():
    assert noise([10 - 0.1 * i for i in range(50)]) == pytest.approx(0.0, abs=1e-9)
    rng = random.Random(0)
    assert noise([rng.gauss(0, 1) for _ in range(4000)]) == pytest.approx(1.0, rel=0.1)
