"""class-balance: label counts per split."""
import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from torch import nn

from zoo.context import ctx
from zoo.data import digits_raw, regression_arrays
from zoo.faults import split_by_class
from zoo.subjects import classifier, regressor
from dldoctor.probes.run import run_probe


def run(subject):
    r = run_probe("class-balance", subject, ctx())
    assert r.status == "ok", r.message
    return r


def test_two_percent_positives():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 10))
    y = (rng.random(3000) < 0.02).astype(int)
    f = run(classifier(X, y)).findings
    assert f["minority_share"] == pytest.approx(y.mean())
    assert f["imbalance_ratio"] > 30  # 98 / 2 = 49, give or take sampling
    assert f["majority_accuracy"] > 0.95
    assert f["num_classes_seen"] == 2


def test_digits_split_is_balanced():
    X, y = digits_raw()
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.2, random_state=0)
    r = run(classifier(Xa, ya, val=(Xb, yb)))
    f = r.findings
    assert f["num_classes_seen"] == 10
    assert f["imbalance_ratio"] < 1.3  # digits: 174..183 rows a class
    assert f["majority_accuracy"] < 0.12
    # a random 80/20 split: TV between label shares is sampling noise, about its chance level
    assert f["split_label_tv"] < 3 * r.details["split_label_tv_by_chance"]
    assert sum(r.details["counts"]["val"]) == len(yb)


def test_eval_split_with_other_classes_shows_label_shift():
    X, y = digits_raw()
    train, val = split_by_class(X, y)
    f = run(classifier(*train, val=val)).findings
    assert f["split_label_tv"] == pytest.approx(1.0)


def test_one_hot_targets_and_regression_arrays():
    X, y = digits_raw()
    s = classifier(X, np.eye(10, dtype=np.float32)[y])
    s.loss_fn = nn.MSELoss()
    assert run(s).findings["num_classes_seen"] == 10
    r = run_probe("class-balance", regressor(*regression_arrays()), ctx())  # measured nothing: not "ok", and says why
    assert r.status == "not-measured" and "not a classification task" in r.message
    assert all(v is None for v in r.findings.values())
