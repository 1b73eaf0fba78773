"""input-stats judged on what unscaled inputs change, not on one extreme value: sparse features
standardised per column (a rarely non-zero column reaches |z| 30-40) stay silent; raw pixels and
unscaled tabular columns are still found."""
import numpy as np
from zoo.context import ctx, kb
from zoo.data import digits_raw
from zoo.faults import raw_pixels
from zoo.subjects import classifier

from dldoctor.expert import engine
from dldoctor.probes.run import run_probe

SCALE_SYMPTOMS = ("raw-inputs-large", "first-layer-inputs-large", "first-layer-inputs-rms-large", "feature-scales-differ",
                  "features-offset")


def judged(subject) -> dict:
    r = run_probe("input-stats", subject, ctx())
    assert r.status == "ok", r.message
    obs = engine.judge(kb(), "input-stats", r.findings)
    return {s: obs[s].present for s in SCALE_SYMPTOMS}, r.findings


def sparse_standardised(n=2000, dense=20, rare=40, seed=0):
    """Dense features plus binary columns non-zero in 0.1% of the rows, every column z-scored."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(size=(n, dense)), (rng.random((n, rare)) < 0.001).astype(float)], axis=1)
    for j in range(rare):  # each rare column non-zero at least once
        X[rng.integers(n), dense + j] = 1.0
    X = (X - X.mean(0)) / X.std(0)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X.astype(np.float32), y


def test_sparse_standardised_features_are_not_unscaled():
    X, y = sparse_standardised()
    assert np.abs(X).max() > 20  # the single extreme value the old rule judged
    seen, f = judged(classifier(X, y))
    assert not any(seen.values()), (seen, f)


def test_raw_pixels_are_still_found():
    X, y = digits_raw()
    seen, _ = judged(classifier(raw_pixels(X), y))
    assert seen["raw-inputs-large"] and seen["first-layer-inputs-large"] and seen["first-layer-inputs-rms-large"]


def test_unscaled_tabular_columns_are_still_found():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(50_000, 15_000, 1000), rng.normal(40, 12, 1000), rng.normal(size=(1000, 6))])
    y = (X[:, 0] > 50_000).astype(int)
    seen, _ = judged(classifier(X.astype(np.float32), y))
    assert seen["first-layer-inputs-large"] and seen["feature-scales-differ"]


def test_the_kb_keeps_sparse_standardised_features_healthy():
    X, y = sparse_standardised()
    _, f = judged(classifier(X, y))
    obs = engine.judge(kb(), "input-stats", f)
    assert dict((b.cause, b.score) for b in engine.rank(kb(), obs))["inputs-not-normalized"] < 0.5
