"""probes.dataset (rows of a split, read once) and probes.task (classification or regression)."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from zoo.context import ctx
from zoo.data import digits_raw, loader
from zoo.subjects import classifier
from dldoctor.expert.subject import Subject
from dldoctor.probes import dataset
from dldoctor.probes.run import run_probe
from dldoctor.probes.task import class_labels, task_of


def numpy_batches(X, y, size=100):
    return [(X[i:i + size], y[i:i + size]) for i in range(0, len(X), size)]


def test_collect_flattens_and_caps():
    X = np.arange(2 * 3 * 4 * 10, dtype=np.float64).reshape(10, 2, 3, 4)
    Xc, yc = dataset.collect(loader(X, np.arange(10), batch_size=3, shuffle=False, x_dtype=torch.float32))
    assert Xc.shape == (10, 24) and Xc.dtype == np.float32 and yc.tolist() == list(range(10))
    rows = dataset.read(loader(X, np.arange(10), batch_size=3, shuffle=False, x_dtype=torch.float32), max_rows=4)
    assert len(rows.X) == 4 and rows.complete is False


def test_rows_are_read_once_per_split():
    X, y = digits_raw()
    calls = []

    class Counting(list):
        def __iter__(self):
            calls.append(1)
            return super().__iter__()

    s = classifier(X, y)
    s.train_data = Counting(numpy_batches(X, y))
    c = ctx()
    a = dataset.rows(s, c, "train")
    b = dataset.rows(s, c, "train")
    assert a is b and len(calls) == 1 and a.complete and len(a.X) == len(X)


def test_one_shot_iterators_are_not_consumed():
    X, y = digits_raw()
    gen = iter(numpy_batches(X, y))
    with pytest.raises(dataset.DataUnreadable):
        dataset.read(gen)
    assert len(list(gen)) == 18  # untouched


def test_data_probes_read_numpy_batches():
    X, y = digits_raw()
    s = Subject(model=nn.Linear(64, 10), train_data=numpy_batches(X[:1400], y[:1400]), loss_fn=nn.CrossEntropyLoss(),
                val_data=numpy_batches(X[1400:], y[1400:]))
    c = ctx()
    for pid in ("class-balance", "batch-composition", "label-alignment", "leakage", "shift"):
        r = run_probe(pid, s, c)
        assert r.status == "ok" and all(v is not None for v in r.findings.values()), (pid, r)


def test_task_inference():
    ints = np.array([0, 1, 2, 1, 0, 2, 1, 0] * 10)
    s = Subject(model=None, train_data=None, loss_fn=nn.CrossEntropyLoss())
    assert task_of(s) == "classification"
    s.loss_fn = nn.MSELoss()
    assert task_of(s) == "regression"
    assert task_of(s, ints) == "classification"  # class codes regressed with MSE
    assert task_of(s, np.arange(80) % 40) == "regression"  # counts/years under MSE
    assert task_of(s, np.random.default_rng(0).normal(size=80)) == "regression"
    assert task_of(s, np.eye(3)[ints]) == "classification"  # one-hot rows
    s.loss_fn = lambda out, t: (out - t).abs().mean()
    assert task_of(s) is None and task_of(s, ints) == "classification"
    s.task = "regression"
    assert task_of(s, ints) == "regression"


def test_class_labels():
    assert class_labels(np.array([[1.0], [0.0]])).tolist() == [1, 0]
    assert class_labels(np.array([[0.1, 0.9], [0.8, 0.2]])).tolist() == [1, 0]
    assert class_labels(np.array([0.5, 1.5])) is None
    assert class_labels(np.array([[1, 1, 0], [0, 1, 1]])) is None  # multi-label


def test_probe_modules_import_without_torch():
    code = ("import sys, probes.registry as r; r.catalog(); import probes.dataset, probes.task, probes.features; "
            "assert 'torch' not in sys.modules and 'numpy' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)[:3]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))


def test_data_probes_are_deterministic():
    X, y = digits_raw()
    runs = []
    for _ in range(2):
        s = classifier(X[:1400], y[:1400], val=(X[1400:], y[1400:]))
        c = ctx(seed=3)
        runs.append({pid: run_probe(pid, s, c).findings for pid in
                     ("input-stats", "class-balance", "batch-composition", "label-alignment", "leakage", "shift")})
    assert runs[0] == runs[1]
