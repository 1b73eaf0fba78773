"""Probe `class-balance`: Class balance.

Label counts in train, validation and test; the imbalance ratio; the accuracy of always predicting
the majority class.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, Plot, ProbeSpec

SPEC = ProbeSpec(
    id='class-balance',
    title='Class balance',
    needs=('train_data',),
    plots=(Plot('bars', 'Examples per class', x='classes', y='counts', xlabel='class', ylabel='count'),),
    cost_s=0.5,
    runs_model=False,
    stage='improve-model-and-data',
    doc='Label counts in train, validation and test; the imbalance ratio; the accuracy of always predicting the majority class.',
    findings=(
        Finding('imbalance_ratio', 'number', 'count of the largest class / count of the smallest present class'),
        Finding('minority_share', 'number', 'share of the smallest class'),
        Finding('majority_accuracy', 'number', 'accuracy of always predicting the majority class'),
        Finding('num_classes_seen', 'number', 'number of distinct labels in train'),
        Finding('split_label_tv', 'number', 'largest total-variation distance between the label distributions of two splits'),
    ),
)


STEADY_TV = 0.05  # chance TV below which split_label_tv is fully trusted


def measure(subject, ctx) -> Measurement:
    import numpy as np

    from dldoctor.probes.dataset import DataUnreadable, eval_splits, rows
    from dldoctor.probes.task import class_labels, task_of

    none = {f.name: None for f in SPEC.findings}
    labels, notes = {}, []
    for split in ["train", *eval_splits(subject)]:
        try:
            got = rows(subject, ctx, split)
        except DataUnreadable as exc:
            notes.append(f"{split}: {exc}")
            continue
        if split == "train" and task_of(subject, got.y) != "classification":
            return Measurement(findings=none, notes=["not a classification task: class balance does not apply"])
        lab = class_labels(got.y)
        if lab is None:
            notes.append(f"{split}: the targets are not one class label per row")
            continue
        labels[split] = lab
        if not got.complete:
            notes.append(f"{split}: counts from the first {len(lab)} rows only")
    if "train" not in labels:
        return Measurement(findings=none, notes=notes)
    classes = np.unique(np.concatenate(list(labels.values())))
    counts = {s: np.array([(lab == c).sum() for c in classes]) for s, lab in labels.items()}
    train = counts["train"]
    present = train[train > 0]
    shares = {s: c / c.sum() for s, c in counts.items()}
    tvs = [0.5 * float(np.abs(shares[a] - shares[b]).sum()) for i, a in enumerate(shares) for b in list(shares)[i + 1:]]
    findings = {
        "imbalance_ratio": float(present.max() / present.min()),
        "minority_share": float(present.min() / train.sum()),
        "majority_accuracy": float(train.max() / train.sum()),
        "num_classes_seen": int(len(present)),
        "split_label_tv": max(tvs) if tvs else None,
    }
    if subject.num_classes is not None and subject.num_classes > len(present):
        notes.append(f"{subject.num_classes - len(present)} of the {subject.num_classes} declared classes never occur in train")
    chance = chance_tv(shares["train"], [int(c.sum()) for c in counts.values()])
    details = {"classes": [c.item() for c in classes], "counts": {s: c.tolist() for s, c in counts.items()},
               "split_label_tv_by_chance": chance}
    # small splits differ by chance alone: the TV is trusted less as that chance level grows
    confidence = {"split_label_tv": min(1.0, max(0.2, STEADY_TV / chance))} if chance else {}
    return Measurement(findings=findings, confidence=confidence, details=details, notes=notes)


def chance_tv(p, sizes) -> float | None:
    """About the TV distance two random samples of the two smallest splits' sizes show by chance alone."""
    import numpy as np

    if len(sizes) < 2:
        return None
    a, b = sorted(sizes)[:2]
    sd = np.sqrt(p * (1 - p) * (1 / a + 1 / b))
    return float(0.5 * np.sqrt(2 / np.pi) * sd.sum())
