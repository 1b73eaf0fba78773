"""Probe `batch-composition`: Labels per batch.

Labels per batch over the first batches of the loader as the user built it: single-class batches,
data ordered by class, shuffling off.  Each figure is set against what uniform shuffling of the same
labels would give (the label distribution of the train split, not of the batches seen).
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='batch-composition',
    title='Labels per batch',
    needs=('train_data',),
    cost_s=0.3,
    runs_model=False,
    stage='start-simple',
    doc='Labels per batch over the first batches of the loader as the user built it: single-class batches, data ordered by class, shuffling off.',
    findings=(
        Finding('single_class_batch_frac', 'number', 'share of batches holding one label only'),
        Finding('single_class_batch_excess', 'number', 'single_class_batch_frac minus the share shuffled data gives (near 0 when shuffled, e.g. with rare classes)'),
        Finding('distinct_labels_ratio', 'number', 'mean distinct labels per batch / the number expected from shuffled data'),
        Finding('label_changes_ratio', 'number', 'label changes between consecutive rows / the number expected from shuffled data (about 1 when shuffled, near 0 when sorted by class)'),
        Finding('shuffled', 'bool', 'two passes over the loader give different orders'),
    ),
)

NUM_BATCHES = 20
PASSES_COMPARED = 2  # batches compared between two passes


def measure(subject, ctx) -> Measurement:
    import numpy as np

    from dldoctor.probes.dataset import DataUnreadable, reiterable, rows
    from dldoctor.probes.task import class_labels, task_of
    from dldoctor.probes.training import batches

    none = {f.name: None for f in SPEC.findings}
    if not reiterable(subject.train_data):
        return Measurement(findings=none, notes=["train_data is a one-shot iterator: not read"])
    try:
        first = list(batches(subject.train_data, NUM_BATCHES))
    except TypeError as exc:
        return Measurement(findings=none, notes=[f"batches not read: {exc}"])
    findings = dict(none, shuffled=shuffled(subject.train_data, first))
    try:
        train = rows(subject, ctx, "train")
    except DataUnreadable as exc:
        return Measurement(findings=findings, notes=[f"labels not read: {exc}"])
    if task_of(subject, train.y) != "classification":
        return Measurement(findings=findings, notes=["not a classification task: labels per batch do not apply"])
    all_labels = class_labels(train.y)
    per_batch = [class_labels(targets_of(t)) for _, t in first]
    if all_labels is None or any(b is None for b in per_batch):
        return Measurement(findings=findings, notes=["the targets are not one class label per row"])
    _, counts = np.unique(all_labels, return_counts=True)
    n = int(counts.sum())
    sizes = [len(b) for b in per_batch if len(b) > 1]
    distinct = [len(np.unique(b)) for b in per_batch if len(b) > 1]
    expected = [expected_distinct(counts, b) for b in sizes]
    single_expected = [expected_single_class(counts, b) for b in sizes]
    seq = np.concatenate(per_batch)
    changes = int((seq[1:] != seq[:-1]).sum())
    p_same = float((counts * (counts - 1)).sum() / (n * (n - 1))) if n > 1 else 1.0
    expected_changes = (len(seq) - 1) * (1 - p_same)
    ratio = changes / expected_changes if expected_changes > 0 else None
    findings.update(
        single_class_batch_frac=float(np.mean([d == 1 for d in distinct])) if distinct else None,
        single_class_batch_excess=float(np.mean([d == 1 for d in distinct]) - np.mean(single_expected)) if distinct else None,
        distinct_labels_ratio=float(np.mean(distinct) / np.mean(expected)) if distinct else None,
        label_changes_ratio=ratio,
    )
    details = {"batches": len(per_batch), "distinct_per_batch": distinct, "expected_distinct": [round(e, 3) for e in expected],
               "label_changes": changes, "expected_label_changes": round(expected_changes, 2),
               "first_labels": [b[:16].tolist() for b in per_batch[:5]]}
    return Measurement(findings=findings, details=details)


def targets_of(t):
    from dldoctor.probes.dataset import as_array

    a = as_array(t, "targets")
    return a.reshape(len(a), -1) if a.ndim > 1 else a


def _log_choose(a: int, k: int) -> float:
    from math import lgamma

    return lgamma(a + 1) - lgamma(k + 1) - lgamma(a - k + 1)


def expected_distinct(counts, b: int) -> float:
    """Expected distinct labels in a batch of ``b`` rows drawn without replacement (hypergeometric):
    the sum over classes of P(the class appears) = 1 - C(n - n_k, b) / C(n, b)."""
    from math import exp

    n = int(sum(counts))
    b = min(b, n)
    return sum(1.0 if n - c < b else 1.0 - exp(_log_choose(n - c, b) - _log_choose(n, b)) for c in map(int, counts))


def expected_single_class(counts, b: int) -> float:
    """P(a shuffled batch of ``b`` rows holds one label only) = sum over classes of C(n_k, b) / C(n, b)."""
    from math import exp

    n = int(sum(counts))
    b = min(b, n)
    return sum(exp(_log_choose(c, b) - _log_choose(n, b)) for c in map(int, counts) if c >= b)


def shuffled(loader, first) -> bool | None:
    """Do two passes start differently?  Compares the first batches' inputs and targets."""
    import numpy as np

    from dldoctor.probes.dataset import DataUnreadable, as_array
    from dldoctor.probes.training import batches

    again = list(batches(loader, min(PASSES_COMPARED, len(first))))
    try:
        for (x1, t1), (x2, t2) in zip(first, again):
            a = [as_array(v, "batch") for v in (x1, t1, x2, t2)]
            if a[0].shape != a[2].shape or a[1].shape != a[3].shape:
                return True
            if not (np.array_equal(a[0], a[2], equal_nan=a[0].dtype.kind == "f") and np.array_equal(a[1], a[3])):
                return True
    except DataUnreadable:
        return None
    return False
