"""batch-composition: labels per batch of the loader as built, against what shuffling gives."""
import numpy as np
import pytest

from judged import holds

from zoo.context import ctx
from zoo.data import digits_raw, regression_arrays
from zoo.faults import sort_by_class
from zoo.subjects import classifier, regressor
from dldoctor.probes.batch_composition import expected_distinct, expected_single_class
from dldoctor.probes.run import run_probe


def run(subject):
    r = run_probe("batch-composition", subject, ctx())
    assert r.status == "ok", r.message
    return r.findings


@pytest.fixture(scope="module")
def data():
    return digits_raw()


def test_sorted_data_without_shuffling(data):
    f = run(classifier(*sort_by_class(*data), shuffle=False))
    # ~180 rows a class, batches of 64: most batches hold one class, and labels change ~7 times
    # over 20 batches where shuffling would change them ~1,150 times
    assert holds("batch-composition", f, "data-ordered-by-class") is True and f["label_changes_ratio"] < 0.05
    assert f["single_class_batch_frac"] > 0.5 and f["single_class_batch_excess"] > 0.5
    assert f["distinct_labels_ratio"] < 0.3
    assert f["shuffled"] is False


def test_sorted_data_in_large_batches_is_still_ordered(data):
    f = run(classifier(*sort_by_class(*data), shuffle=False, batch_size=512))
    assert holds("batch-composition", f, "data-ordered-by-class") is True and f["single_class_batch_frac"] == 0.0
    assert f["distinct_labels_ratio"] < 0.5  # ~4 classes a batch where shuffling gives all 10


def test_shuffled_loader_is_healthy(data):
    f = run(classifier(*sort_by_class(*data), shuffle=True))
    assert f["shuffled"] is True and holds("batch-composition", f, "data-ordered-by-class") is False
    assert f["distinct_labels_ratio"] == pytest.approx(1.0, abs=0.05)
    assert f["label_changes_ratio"] == pytest.approx(1.0, abs=0.15)
    assert f["single_class_batch_frac"] == 0.0


def test_unshuffled_loader_over_randomly_ordered_rows(data):
    f = run(classifier(*data, shuffle=False))
    assert f["shuffled"] is False  # a fact, not a fault: the rows are already in random order
    assert holds("batch-composition", f, "data-ordered-by-class") is False
    assert f["distinct_labels_ratio"] == pytest.approx(1.0, abs=0.05)
    assert f["single_class_batch_excess"] == pytest.approx(0.0, abs=0.05)


def test_rare_class_gives_single_class_batches_by_chance_only():
    rng = np.random.default_rng(0)
    y = (rng.random(3000) < 0.01).astype(int)
    f = run(classifier(rng.normal(size=(3000, 10)), y))
    # P(no positive in 64 rows) = 0.99^64 ~ 0.5: about half of 20 shuffled batches hold one class;
    # the excess over that expectation is binomial noise (sd ~0.11)
    assert f["single_class_batch_frac"] > 0.2
    assert abs(f["single_class_batch_excess"]) < 0.3
    assert holds("batch-composition", f, "data-ordered-by-class") is False


def test_regression_has_no_labels_per_batch():
    f = run(regressor(*regression_arrays()))
    assert holds("batch-composition", f, "data-ordered-by-class") is None and f["shuffled"] is True


def test_expectations_match_brute_force():
    counts = np.array([3, 5, 12])
    labels = np.repeat(np.arange(3), counts)
    rng = np.random.default_rng(0)
    draws = [rng.permutation(labels)[:6] for _ in range(20000)]
    assert expected_distinct(counts, 6) == pytest.approx(np.mean([len(set(d)) for d in draws]), abs=0.02)
    assert expected_single_class(counts, 6) == pytest.approx(np.mean([len(set(d)) == 1 for d in draws]), abs=0.005)
