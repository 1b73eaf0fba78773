"""Probe `shift`: Distribution shift between splits.

Train against validation against test: per-feature two-sample statistics, a classifier that tries to
tell the splits apart, and label distributions.  The domain classifier is gradient-boosted trees on
balanced subsamples (up to 2,000 rows a side), scored by 3-fold cross-validated ROC AUC; it sees
shifts in means, spreads and joint structure.  Each finding is the worse of train-vs-val and
train-vs-test.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='shift',
    title='Distribution shift between splits',
    needs=('train_data',),
    cost_s=2.0,
    runs_model=False,
    stage='evaluate',
    needs_any=('val_data', 'test_data'),
    doc='Train against validation against test: per-feature two-sample statistics, a classifier that tries to tell the splits apart, and label distributions.',
    findings=(
        Finding('domain_auc', 'number', 'cross-validated ROC AUC of a classifier telling train from evaluation rows (0.5 = indistinguishable)'),
        Finding('frac_features_shifted', 'number', 'share of features whose two-sample KS test rejects at 1%'),
        Finding('label_shift_tv', 'number', 'total-variation distance between train and evaluation label distributions (regression: over train-decile bins)'),
    ),
)

PER_SIDE = 2000  # rows a side for the domain classifier
KS_ROWS = 2000  # rows a side for the per-feature tests (detects KS distances above ~0.05)
KS_FEATURES = 4096  # wider rows (images) are tested on a fixed random subset of features
MIN_ROWS = 20
FOLDS = 3
ALPHA = 0.01
STEADY = {"domain_auc": 0.04, "label_shift_tv": 0.05}  # chance spread below which a figure is fully trusted


def measure(subject, ctx) -> Measurement:
    from dldoctor.probes.dataset import DataUnreadable, eval_splits, rows
    from dldoctor.probes.task import task_of

    none = {f.name: None for f in SPEC.findings}
    try:
        train = rows(subject, ctx, "train")
    except DataUnreadable as exc:
        return Measurement(findings=none, notes=[f"train rows not read: {exc}"])
    task = task_of(subject, train.y)
    details, notes = {}, []
    for split in eval_splits(subject):
        try:
            ev = rows(subject, ctx, split)
        except DataUnreadable as exc:
            notes.append(f"{split}: {exc}")
            continue
        if ev.X.shape[1] != train.X.shape[1]:
            notes.append(f"{split}: rows have {ev.X.shape[1]} values, train rows {train.X.shape[1]}")
            continue
        details[split] = compare(train, ev, task, ctx.seed)
    if not details:
        return Measurement(findings=none, notes=notes)
    findings, confidence = {}, {}
    for name in none:
        known = [d for d in details.values() if d[name] is not None]
        worst = max(known, key=lambda d: d[name]) if known else None
        findings[name] = worst[name] if worst else None
        chance = worst and worst.get(f"{name}_by_chance")
        if chance:  # small splits: the figure moves this much with no shift at all
            confidence[name] = min(1.0, max(0.2, STEADY[name] / chance))
    return Measurement(findings=findings, confidence=confidence, details=details, notes=notes)


def compare(train, ev, task, seed: int) -> dict:
    import numpy as np

    from dldoctor.probes.dataset import subsample
    from dldoctor.probes.features import finite32, one_thread

    cols = subsample(train.X.shape[1], KS_FEATURES, seed)
    a = finite32(train.X[subsample(len(train.X), KS_ROWS, seed)][:, cols])
    b = finite32(ev.X[subsample(len(ev.X), KS_ROWS, seed + 1)][:, cols])
    stat, p = ks_columns(a, b)
    with one_thread():
        auc, auc_sd = domain_auc(train.X, ev.X, seed)
    tv, tv_chance = label_tv(train.y, ev.y, task)
    top = np.argsort(-stat)[:10]
    return {
        "domain_auc": auc, "domain_auc_by_chance": auc_sd,
        "frac_features_shifted": float(np.mean(p < ALPHA)),
        "label_shift_tv": tv, "label_shift_tv_by_chance": tv_chance,
        "train_rows": int(len(train.X)), "eval_rows": int(len(ev.X)),
        "ks_features_tested": int(len(cols)),
        "most_shifted_features": [{"feature": int(cols[i]), "ks": float(stat[i]), "p": float(p[i])} for i in top if stat[i] > 0],
    }


def ks_columns(a, b):
    """Two-sample Kolmogorov-Smirnov statistic and asymptotic p-value of every column at once.

    The pooled column is sorted; the ECDF difference steps +1/n_a or -1/n_b per row and is read only
    where the value changes (ties step together).
    """
    import numpy as np
    from scipy.special import kolmogorov

    na, nb = len(a), len(b)
    pooled = np.concatenate([a, b])
    order = np.argsort(pooled, axis=0, kind="stable")
    values = np.take_along_axis(pooled, order, axis=0)
    steps = np.where(order < na, 1.0 / na, -1.0 / nb)
    diff = np.abs(np.cumsum(steps, axis=0))
    last = np.ones_like(values, dtype=bool)
    last[:-1] = values[1:] != values[:-1]
    stat = np.where(last, diff, 0.0).max(0)
    en = np.sqrt(na * nb / (na + nb))
    return stat, kolmogorov((en + 0.12 + 0.11 / en) * stat)


def domain_auc(A, B, seed: int):
    """(cross-validated AUC of train-vs-eval, its standard deviation under no shift), or (None, None)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from dldoctor.probes.dataset import subsample
    from dldoctor.probes.features import prepared

    n = min(len(A), len(B), PER_SIDE)
    if n < MIN_ROWS:
        return None, None
    a, b = prepared(A[subsample(len(A), n, seed)], B[subsample(len(B), n, seed + 1)], seed=seed)  # PCA when wide
    X = np.concatenate([a, b])
    side = np.r_[np.zeros(n), np.ones(n)]
    model = HistGradientBoostingClassifier(max_iter=40, learning_rate=0.2, max_leaf_nodes=15, max_bins=32,
                                           early_stopping=False, random_state=seed)
    cv = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    prob = cross_val_predict(model, X, side, cv=cv, method="predict_proba")[:, 1]
    return float(roc_auc_score(side, prob)), float(np.sqrt((2 * n + 1) / (12 * n * n)))


def label_tv(ya, yb, task):
    """(TV distance of label shares (classification) or of train-decile bin shares (regression),
    the TV two samples of these sizes show by chance), or (None, None)."""
    import numpy as np

    from dldoctor.probes.class_balance import chance_tv
    from dldoctor.probes.task import class_labels

    if ya is None or yb is None:
        return None, None
    if task == "classification":
        la, lb = class_labels(ya), class_labels(yb)
        if la is None or lb is None:
            return None, None
        classes = np.union1d(la, lb)
        pa = np.array([(la == c).mean() for c in classes])
        pb = np.array([(lb == c).mean() for c in classes])
        return float(0.5 * np.abs(pa - pb).sum()), chance_tv(pa, [len(la), len(lb)])
    ra = np.asarray(ya, np.float64).reshape(len(ya), -1)[:, 0]
    rb = np.asarray(yb, np.float64).reshape(len(yb), -1)[:, 0]
    edges = np.unique(np.quantile(ra, np.linspace(0, 1, 11)[1:-1]))
    pa = np.bincount(np.searchsorted(edges, ra), minlength=len(edges) + 1) / len(ra)
    pb = np.bincount(np.searchsorted(edges, rb), minlength=len(edges) + 1) / len(rb)
    return float(0.5 * np.abs(pa - pb).sum()), chance_tv(pa, [len(ra), len(rb)])
