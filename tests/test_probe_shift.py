"""shift: can a classifier tell train rows from evaluation rows; per-feature KS; label shift."""
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from zoo.context import ctx
from zoo.data import digits_raw, regression_arrays
from zoo.faults import split_by_class
from zoo.subjects import classifier, regressor
from dldoctor.probes.run import run_probe


def run(subject):
    r = run_probe("shift", subject, ctx())
    assert r.status == "ok", r.message
    return r


@pytest.fixture(scope="module")
def split():
    X, y = digits_raw()
    return train_test_split(X, y, test_size=0.2, random_state=0)


def test_test_features_shifted_by_one_std(split):
    Xa, Xb, ya, yb = split
    shifted = Xb.copy()
    shifted[:, ::4] += Xa[:, ::4].std(0)  # 16 of 64 features
    r = run(classifier(Xa, ya, val=(Xb, yb), test=(shifted, yb)))
    assert r.findings["domain_auc"] > 0.9
    assert r.findings["frac_features_shifted"] > 0.15  # 13-16 of the 64 (a few are constant)
    assert r.details["val"]["domain_auc"] < 0.6  # the worse split is reported


def test_rotated_test_images(split):
    Xa, Xb, ya, yb = split
    rotated = np.rot90(Xb.reshape(-1, 8, 8), axes=(1, 2)).reshape(-1, 64).copy()
    f = run(classifier(Xa, ya, test=(rotated, yb))).findings
    assert f["domain_auc"] > 0.9 and f["frac_features_shifted"] > 0.5


def test_random_digits_split(split):
    Xa, Xb, ya, yb = split
    f = run(classifier(Xa, ya, val=(Xb, yb))).findings
    # 360 rows a side: the AUC's sampling spread under no shift is ~0.02-0.03
    assert abs(f["domain_auc"] - 0.5) < 0.08
    assert f["frac_features_shifted"] < 0.05
    assert f["label_shift_tv"] < 0.15  # chance TV for 360 vs 1437 rows over 10 classes is ~0.07


def test_random_regression_split():
    X, y = regression_arrays()
    f = run(regressor(X[:1200], y[:1200], val=(X[1200:], y[1200:]))).findings
    assert abs(f["domain_auc"] - 0.5) < 0.08
    assert f["frac_features_shifted"] < 0.2  # 8 features, ~1% false rejections each
    assert f["label_shift_tv"] < 0.15


def test_label_shift_between_digit_subsets():
    X, y = digits_raw()
    train, val = split_by_class(X, y)
    f = run(classifier(*train, val=val)).findings
    assert f["label_shift_tv"] == pytest.approx(1.0)
    assert f["domain_auc"] > 0.9
