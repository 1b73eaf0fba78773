"""Probe `label-alignment`: Do the labels belong to their inputs?.

A learnability test (cross-validated ROC AUC, or R^2, on the true labels against the same labels
permuted) and confident learning (cleanlab, on the same out-of-fold probabilities) for the share of
wrong labels.  Model-agnostic: simple sklearn models
(shrunk linear discriminant / ridge and k-nearest neighbours, the better one on the true labels) on up to
3,000 train rows, standardised, PCA-reduced past 512 features.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='label-alignment',
    title='Do the labels belong to their inputs?',
    needs=('train_data',),
    cost_s=3.0,
    runs_model=False,
    stage='improve-model-and-data',
    doc='A learnability test (cross-validated score on the true labels against the same labels permuted) and confident learning (cleanlab) for the share of wrong labels.',
    findings=(
        Finding('heldout_score_true', 'number', 'cross-validated ROC AUC, macro one-vs-rest (R^2 for regression), with the true labels'),
        Finding('heldout_score_permuted', 'number', 'the same with the labels permuted (mean of 3 permutations; about 0.5 AUC, 0 R^2)'),
        Finding('learnability_gap', 'number', 'heldout_score_true - heldout_score_permuted (0 = the labels carry no signal about the inputs; at most 0.5 for classification, 1 for regression)'),
        Finding('estimated_noise_rate', 'number', 'estimated share of wrong labels (confident learning)'),
    ),
)

MAX_ROWS = 3000
FOLDS = 3
WIDE = 512  # PCA only past this many features: on a few hundred mostly-noise features it keeps noise
PERMUTATIONS = 3
MIN_PER_CLASS = FOLDS  # rarer classes are left out (stratified folds need one row per fold)


def measure(subject, ctx) -> Measurement:
    import numpy as np

    from dldoctor.probes.dataset import DataUnreadable, rows, subsample
    from dldoctor.probes.features import one_thread, prepared
    from dldoctor.probes.task import class_labels, task_of

    none = {f.name: None for f in SPEC.findings}
    try:
        train = rows(subject, ctx, "train")
    except DataUnreadable as exc:
        return Measurement(findings=none, notes=[f"train rows not read: {exc}"])
    if train.y is None:
        return Measurement(findings=none, notes=["the batches carry no targets that line up with the rows"])
    task = task_of(subject, train.y)
    keep = subsample(len(train.X), MAX_ROWS, ctx.seed)
    X, y = train.X[keep], train.y[keep]
    if task == "classification":
        y = class_labels(y)
        if y is None:
            return Measurement(findings=none, notes=["the targets are not one class label per row"])
        _, y, counts = np.unique(y, return_inverse=True, return_counts=True)
        ok = counts[y] >= MIN_PER_CLASS
        X, y = X[ok], np.unique(y[ok], return_inverse=True)[1]
        if len(np.unique(y)) < 2:
            return Measurement(findings=none, notes=["fewer than two classes with enough rows"])
    else:
        finite = np.isfinite(y.astype(np.float64)).reshape(len(y), -1).all(1)
        X, y = X[finite], y[finite].astype(np.float64)
        if len(X) < 3 * FOLDS:
            return Measurement(findings=none, notes=["too few rows with finite targets"])
    rng = np.random.default_rng(ctx.seed)
    with one_thread():
        X = prepared(X, wide=WIDE, seed=ctx.seed)
        scored = [(*score(m, X, y, task, ctx.seed), name, m) for name, m in candidates(task, len(y))]
        true_score, probs, name, model = max(scored, key=lambda t: t[0])
        perm = [score(model, X, y[rng.permutation(len(y))], task, ctx.seed)[0] for _ in range(PERMUTATIONS)]
        noise = noise_rate(y, probs) if task == "classification" else None
    perm_score = float(np.mean(perm))
    findings = {
        "heldout_score_true": true_score,
        "heldout_score_permuted": perm_score,
        "learnability_gap": true_score - perm_score,
        "estimated_noise_rate": noise,
    }
    # confident learning is as trustworthy as the model separates the classes (a weak model blames the labels)
    confidence = {}
    if noise is not None:
        confidence["estimated_noise_rate"] = min(1.0, max(0.0, (true_score - 0.5) / 0.4))
    details = {"rows": int(len(y)), "features": int(X.shape[1]), "model": name, "task": task,
               "metric": "macro one-vs-rest ROC AUC" if task == "classification" else "R^2",
               "scores": {n: s for s, _, n, _ in scored}, "permuted_scores": perm,
               "accuracy_true": float(np.mean(probs.argmax(1) == y)) if probs is not None else None}
    return Measurement(findings=findings, confidence=confidence, details=details)


def candidates(task: str, n: int):
    """A linear model and k-nearest neighbours: cheap, and between them they catch linear and local signal."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    k = max(1, min(15, n // (2 * FOLDS)))
    if task == "classification":
        lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
        return [("linear discriminant", lda), (f"{k}-nearest neighbours", KNeighborsClassifier(k))]
    return [("ridge", Ridge(alpha=1.0)), (f"{k}-nearest neighbours", KNeighborsRegressor(k))]


def score(model, X, y, task: str, seed: int):
    """(cross-validated ROC AUC or R^2, out-of-fold predicted probabilities or None).

    AUC (macro one-vs-rest) rather than accuracy: it stays at 0.5 without signal whatever the class
    balance, where accuracy sits at the majority share with or without signal."""
    import numpy as np
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    if task == "classification":
        cv = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
        probs = cross_val_predict(model, X, y, cv=cv, method="predict_proba")
        probs = np.clip(probs, 0, 1)
        probs /= probs.sum(1, keepdims=True)
        auc = roc_auc_score(y, probs[:, 1]) if probs.shape[1] == 2 else roc_auc_score(y, probs, multi_class="ovr")
        return float(auc), probs
    cv = KFold(FOLDS, shuffle=True, random_state=seed)
    pred = cross_val_predict(model, X, y, cv=cv)
    return float(r2_score(y, pred)), None


def noise_rate(y, probs) -> float:
    """Confident learning: the share of rows whose given label the out-of-fold probabilities contradict."""
    from cleanlab.count import num_label_issues

    return float(num_label_issues(labels=y, pred_probs=probs) / len(y))
