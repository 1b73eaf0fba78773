"""class-balance: label counts per split."""
import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from torch import nn

from data_models import classifier, ctx, digits, regression, regressor
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
    X, y = digits()
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
    X, y = digits()
    f = run(classifier(X[y < 5], y[y < 5], val=(X[y >= 5], y[y >= 5]))).findings
    assert f["split_label_tv"] == pytest.approx(1.0)


def test_one_hot_targets_and_regression():
    X, y = digits()
    s = classifier(X, np.eye(10, dtype=np.float32)[y])
    s.loss_fn = nn.MSELoss()
    assert run(s).findings["num_classes_seen"] == 10
    r = run(regressor(*regression()))
    assert all(v is None for v in r.findings.values()) and r.notes
