"""label-alignment: learnability (true vs permuted labels) and the share of wrong labels.

Classification scores are macro one-vs-rest ROC AUC: 0.5 without signal, 1 for perfect ranking."""
import numpy as np
import pytest

from zoo.context import ctx
from zoo.data import breast_cancer, digits_raw, regression_arrays
from zoo.faults import shuffled_labels
from zoo.subjects import classifier, regressor
from dldoctor.probes.run import run_probe


def run(subject):
    r = run_probe("label-alignment", subject, ctx())
    assert r.status == "ok", r.message
    return r.findings


@pytest.fixture(scope="module")
def data():
    return digits_raw()


def test_labels_shuffled_apart_from_their_images(data):
    X, y = data
    r = run_probe("label-alignment", classifier(X, shuffled_labels(y, seed=1)), ctx())
    f = r.findings
    # both scores are chance (AUC ~0.5); their difference is sampling noise of ~0.01-0.02
    assert abs(f["learnability_gap"]) < 0.05
    assert f["heldout_score_true"] < 0.6
    # confident learning blames the labels for everything a chance-level model gets wrong: low confidence
    assert r.confidence["estimated_noise_rate"] < 0.2


def test_forty_percent_random_labels(data):
    X, y = data
    rng = np.random.default_rng(1)
    noisy = y.copy()
    flip = rng.random(len(y)) < 0.4
    noisy[flip] = rng.integers(0, 10, flip.sum())
    wrong = np.mean(noisy != y)  # ~0.36: a tenth of the redrawn labels land on the right class
    f = run(classifier(X, noisy))
    # a perfect ranker scored against labels of which 40% are redrawn at random reaches AUC ~0.5 + 0.5 * 0.6
    assert 0.2 < f["learnability_gap"] < 0.4
    assert f["estimated_noise_rate"] == pytest.approx(wrong, abs=0.1)


def test_clean_digits(data):
    f = run(classifier(*data))
    assert f["heldout_score_true"] > 0.95 and f["learnability_gap"] > 0.4
    assert f["estimated_noise_rate"] < 0.05


def test_clean_breast_cancer():
    f = run(classifier(*breast_cancer()))
    assert f["heldout_score_true"] > 0.95
    assert f["learnability_gap"] > 0.4  # AUC ignores the 63% majority share that accuracy would start from
    assert f["estimated_noise_rate"] < 0.05


def test_imbalanced_labels_stay_learnable():
    X, y = breast_cancer()
    keep = (y == 0) | (np.random.default_rng(0).random(len(y)) < 0.05)  # ~18 of 357 benign rows kept
    f = run(classifier(X[keep], 1 - y[keep]))  # 212 positives : ~18 negatives
    assert f["learnability_gap"] > 0.3  # accuracy would start at the ~92% majority share and show no gap


def test_regression_uses_r2():
    X, y = regression_arrays()
    f = run(regressor(X, y))
    assert f["heldout_score_true"] > 0.5 and f["learnability_gap"] > 0.5
    assert f["estimated_noise_rate"] is None
    f = run(regressor(X, shuffled_labels(y, seed=0)))
    assert abs(f["learnability_gap"]) < 0.1
