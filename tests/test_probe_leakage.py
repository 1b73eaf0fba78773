"""leakage: exact and near duplicates between train and val/test."""
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from zoo.context import ctx
from zoo.data import digits_raw, regression_arrays
from zoo.subjects import classifier, regressor
from dldoctor.probes.run import run_probe


def run(subject):
    r = run_probe("leakage", subject, ctx())
    assert r.status == "ok", r.message
    return r


@pytest.fixture(scope="module")
def split():
    X, y = digits_raw()
    return train_test_split(X, y, test_size=0.2, random_state=0)


def test_test_rows_copied_from_train(split):
    Xa, Xb, ya, yb = split
    leaked = Xb.copy()
    leaked[:90] = Xa[:90]  # 90 of 360 test rows
    r = run(classifier(Xa, ya, test=(leaked, yb)))
    assert r.findings["exact_dup_frac"] == pytest.approx(0.25)
    assert r.findings["near_dup_frac"] == pytest.approx(0.25)
    assert r.details["test"]["exact_examples"] == [0, 1, 2, 3, 4]


def test_copies_with_tiny_noise_are_near_duplicates(split):
    Xa, Xb, ya, yb = split
    noisy = Xb.copy()
    rng = np.random.default_rng(0)
    noisy[:90] = Xa[:90] + rng.normal(size=(90, 64)) * 1e-3 * Xa.std(0)
    r = run(classifier(Xa, ya, val=(Xb, yb), test=(noisy, yb)))
    assert r.findings["exact_dup_frac"] == 0.0
    # noise of 0.1% of a std sits ~0.002x the median train neighbour distance; distinct digits >= 0.4x
    assert r.findings["near_dup_frac"] == pytest.approx(0.25)
    assert r.details["val"]["near_dup_frac"] == 0.0


def test_proper_digits_split(split):
    Xa, Xb, ya, yb = split
    r = run(classifier(Xa, ya, val=(Xb, yb)))
    assert r.findings == {"exact_dup_frac": 0.0, "near_dup_frac": 0.0}
    # digits' closest genuine pairs sit at ~0.4x the median neighbour distance, far above 0.01x
    assert r.details["val"]["closest"][0]["distance_ratio"] > 0.1


def test_proper_regression_split():
    X, y = regression_arrays()
    f = run(regressor(X[:1200], y[:1200], test=(X[1200:], y[1200:]))).findings
    assert f == {"exact_dup_frac": 0.0, "near_dup_frac": 0.0}
