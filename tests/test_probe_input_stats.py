"""input-stats: raw scale of the inputs and what the first weight layer receives."""
import numpy as np
import pytest
import torch
from torch import nn

from zoo.context import ctx
from zoo.data import breast_cancer, digits_raw, regression_arrays
from zoo.faults import nan_at, raw_pixels
from zoo.subjects import classifier, regressor
from dldoctor.probes.run import run_probe
from judged import holds


def run(subject):
    r = run_probe("input-stats", subject, ctx())
    assert r.status == "ok", r.message
    f = dict(r.findings)
    f["looks_like_raw_pixels"] = holds("input-stats", f, "raw-pixels")  # the KB's judgement (kb/symptoms/input-stats.yaml)
    return f


class DividedBy255(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.float() / 255)


def cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 36, 10))


@pytest.fixture(scope="module")
def pixels():
    X, y = digits_raw()
    return raw_pixels(X), y  # 8-bit pixel values as floats


def test_raw_pixels_reach_the_first_layer(pixels):
    f = run(classifier(*pixels))
    assert f["looks_like_raw_pixels"] is True
    assert f["raw_max_abs"] == 255.0
    # pixels of digits average ~80 of 255 on the inked positions: per-feature RMS far above 1
    assert f["first_layer_input_rms"] > 50
    assert f["first_layer_input_max_abs"] == 255.0


def test_raw_pixels_into_a_cnn_are_measured_per_channel(pixels):
    s = classifier(*pixels)
    s.model = cnn()
    f = run(s)
    assert f["first_layer_input_rms"] > 50
    assert f["first_layer_input_scale_log10"] == pytest.approx(0.0)  # one channel: no spread of scales


def test_features_on_wildly_different_scales():
    X, y = breast_cancer()
    f = run(classifier(X, y))
    # breast_cancer's feature stds run from ~0.003 (fractal dimension se) to ~570 (worst area)
    assert f["first_layer_input_scale_log10"] > 4
    assert f["looks_like_raw_pixels"] is False
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(1000, 20)) * np.logspace(-3, 4, 20)
    f = run(classifier(Z, rng.integers(0, 2, 1000)))
    assert f["first_layer_input_scale_log10"] == pytest.approx(7, abs=0.3)


def test_standardised_digits_are_healthy():
    from sklearn.preprocessing import StandardScaler

    X, y = digits_raw()
    f = run(classifier(StandardScaler().fit_transform(X), y))
    assert f["first_layer_input_rms"] == pytest.approx(1.0, abs=0.1)
    assert f["first_layer_input_scale_log10"] < 0.5
    assert f["first_layer_input_offset"] < 0.5
    assert f["looks_like_raw_pixels"] is False
    assert f["nonfinite_inputs"] is False
    assert f["input_dtype"] == "float32"
    assert 0 < f["constant_feature_frac"] < 0.1  # digits has 3 always-blank border pixels of 64


def test_pixels_divided_in_forward_count_as_normalised(pixels):
    s = classifier(*pixels, x_dtype=torch.uint8)
    s.model = DividedBy255(s.model)
    f = run(s)
    assert f["input_dtype"] == "uint8" and f["looks_like_raw_pixels"] is True  # the raw fact stays
    assert f["first_layer_input_max_abs"] <= 1.0
    assert f["first_layer_input_rms"] < 1.5


def test_batchnorm_first_counts_as_normalised(pixels):
    s = classifier(*pixels)
    s.model = nn.Sequential(nn.BatchNorm1d(64), s.model)
    f = run(s)
    assert f["first_layer_input_rms"] < 1.5
    assert f["first_layer_input_offset"] < 0.1


def test_regression_inputs_healthy():
    f = run(regressor(*regression_arrays()))
    assert f["first_layer_input_rms"] < 1.5 and f["first_layer_input_scale_log10"] < 0.5


def test_nan_inputs_and_a_model_that_crashes():
    X, y = digits_raw()
    X = nan_at(X.copy(), 5, 3)
    s = classifier(X, y)
    s.model = nn.Sequential(nn.Linear(10, 2))  # wrong input size: crashes at its first layer's matmul
    r = run_probe("input-stats", s, ctx())
    assert r.status == "ok"
    assert r.findings["nonfinite_inputs"] is True
    assert r.findings["first_layer_input_rms"] is not None  # the first layer was reached before the crash
    s.model = nn.Sequential(nn.Unflatten(1, (3, 3)), nn.Linear(3, 2))  # crashes before any weight layer
    r = run_probe("input-stats", s, ctx())
    assert r.findings["first_layer_input_rms"] is None and r.notes
