"""Classification or regression, and the class label of each row.

``task_of`` answers from, in order: the subject's declared ``task``; its ``num_classes``; a
classification loss (cross-entropy, NLL, BCE, margin losses); targets that are one-hot rows or
integer-valued with few distinct values (at most 10 under a regression loss, where counts, years
and ratings are common targets; at most 100 otherwise); otherwise regression.
"""
from __future__ import annotations

CLASSIFICATION_LOSSES = {
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss",
    "MultiLabelMarginLoss", "MultiMarginLoss", "SoftMarginLoss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "multilabel_soft_margin_loss",
    "multi_margin_loss", "soft_margin_loss",
}
REGRESSION_LOSSES = {
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "GaussianNLLLoss", "PoissonNLLLoss",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "gaussian_nll_loss", "poisson_nll_loss",
}
MAX_CLASSES = 100  # integer targets with more distinct values than this are read as regression
MAX_CLASSES_UNDER_REGRESSION_LOSS = 10  # with MSE & co, counts/years/ratings are common targets


def loss_name(loss_fn) -> str:
    if isinstance(loss_fn, type):
        return loss_fn.__name__
    return getattr(loss_fn, "__name__", type(loss_fn).__name__)


def integer_valued(values) -> bool:
    import numpy as np

    v = np.asarray(values)
    if v.dtype.kind in "iub":
        return True
    return v.dtype.kind == "f" and bool(np.all(np.isfinite(v))) and bool(np.all(v == np.round(v)))


def task_of(subject, y=None) -> str | None:
    """'classification', 'regression', or None when nothing tells."""
    import numpy as np

    if subject.task in ("classification", "regression"):
        return subject.task
    if subject.num_classes is not None:
        return "classification"
    name = loss_name(subject.loss_fn)
    if name in CLASSIFICATION_LOSSES:
        return "classification"
    regression_loss = name in REGRESSION_LOSSES
    if y is not None and len(y):
        labels = class_labels(y)
        if labels is not None:
            distinct = len(np.unique(labels))
            one_hot = np.ndim(y) == 2 and np.shape(y)[1] > 1
            most = MAX_CLASSES_UNDER_REGRESSION_LOSS if regression_loss and not one_hot else MAX_CLASSES
            if distinct <= most and (distinct < len(labels) / 2 or distinct <= 2):
                return "classification"
        return "regression"
    return "regression" if regression_loss else None


def class_labels(y):
    """One integer label per row, or None when the targets are not labels.

    Accepts integer-valued labels (n,) or (n, 1) and one-hot/probability rows (n, k) (argmax).
    """
    import numpy as np

    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1:
        return y.astype(np.int64) if integer_valued(y) else None
    if y.ndim == 2 and y.shape[1] > 1 and y.dtype.kind in "fiub":
        yf = y.astype(np.float64)
        if np.all(yf >= 0) and np.allclose(yf.sum(1), 1.0, atol=1e-3):
            return yf.argmax(1)
    return None
