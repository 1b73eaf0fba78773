"""Rows prepared for the data probes' sklearn models: finite, standardised on a reference set, and
reduced by PCA when wide (distances and linear models behave on tens of dimensions, and stay cheap).

``one_thread()`` runs BLAS/OpenMP single-threaded: these arrays are small, and on a busy machine
multi-threaded BLAS spends several times longer waiting than computing (measured 5x on 2 shared cores).
"""
from __future__ import annotations

WIDE = 100  # more features than this are PCA-reduced
MAX_DIMS = 50
PCA_FIT_ROWS = 2000


def one_thread():
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def prepared(ref, *others, wide: int = WIDE, max_dims: int = MAX_DIMS, seed: int = 0):
    """``ref`` and each of ``others`` (float32) standardised with ref's mean/std, then PCA-reduced to
    ``max_dims`` (fitted on up to PCA_FIT_ROWS rows of all of them) when wider than ``wide``.  NaN/Inf
    become 0; constant features stay 0."""
    import numpy as np

    arrays = [finite32(a) for a in (ref, *others)]
    mean = arrays[0].mean(0, dtype=np.float64).astype(np.float32)
    std = arrays[0].std(0, dtype=np.float64).astype(np.float32)
    std[std == 0] = 1.0
    arrays = [(a - mean) / std for a in arrays]
    if arrays[0].shape[1] > max(wide, max_dims) and len(arrays[0]) > max_dims:
        from sklearn.decomposition import PCA

        # fitted on every side: fitted on few rows of one side, the top components are that side's
        # own noise, and the other side's rows look smaller along them (a false shift)
        fit = np.concatenate(arrays) if others else arrays[0]
        if len(fit) > PCA_FIT_ROWS:
            fit = fit[np.random.default_rng(seed).choice(len(fit), PCA_FIT_ROWS, replace=False)]
        pca = PCA(n_components=max_dims, svd_solver="randomized", iterated_power=2, random_state=seed).fit(fit)
        arrays = [pca.transform(a) for a in arrays]
    return arrays if others else arrays[0]


def finite32(a):
    """``a`` as float32 with NaN/Inf set to 0 (copied only when needed)."""
    import numpy as np

    a = np.asarray(a, np.float32)
    bad = ~np.isfinite(a)
    return np.where(bad, np.float32(0), a) if bad.any() else a
