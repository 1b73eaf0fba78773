"""Probe `leakage`: Train/evaluation leakage.

Exact and near duplicates between train and validation/test.  Exact: equal float32 rows (both
splits are read through the same conversion, so a copied row hashes alike); for token inputs, equal
token-id sequences (padding dropped), near ones then compared on bags of tokens.  Near: an evaluation row whose nearest train row (standardised, PCA-reduced when wide)
is closer than 1% of the median nearest-neighbour distance within train.  Distinct real samples in
two or more dimensions sit at 0.4x the median or more (digits, breast_cancer, wine, iris, Gaussian
blobs in 2-8 d); copies with noise of 0.1% of a feature's std sit near 0.002x.
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='leakage',
    title='Train/evaluation leakage',
    needs=('train_data',),
    cost_s=1.0,
    runs_model=False,
    stage='evaluate',
    needs_any=('val_data', 'test_data'),
    doc='Exact and near duplicates between train and validation/test.',
    findings=(
        Finding('exact_dup_frac', 'number', 'share of evaluation rows that also appear exactly in train (worst of val/test)'),
        Finding('near_dup_frac', 'number', 'share of evaluation rows with a near duplicate in train, closer than 1% of the typical train nearest-neighbour distance (worst of val/test)'),
    ),
)

NEAR = 0.01  # fraction of the median within-train nearest-neighbour distance
MAX_QUERIES = 1000  # evaluation rows searched for near duplicates
WITHIN_SAMPLE = 500  # train rows used for the median within-train distance
EXAMPLES = 5


def measure(subject, ctx) -> Measurement:
    from dldoctor.probes.dataset import DataUnreadable, eval_splits, rows

    none = {f.name: None for f in SPEC.findings}
    try:
        got = rows(subject, ctx, "train")
    except DataUnreadable as exc:
        return Measurement(findings=none, notes=[f"train rows not read: {exc}"])
    train, train_keys = got.X, got.keys
    details, notes = {}, []
    for split in eval_splits(subject):
        try:
            ev_rows = rows(subject, ctx, split)
            ev = ev_rows.X
        except DataUnreadable as exc:
            notes.append(f"{split}: {exc}")
            continue
        if ev.shape[1] != train.shape[1]:
            notes.append(f"{split}: rows have {ev.shape[1]} values, train rows {train.shape[1]}")
            continue
        details[split] = duplicates(train, ev, ctx.seed, train_keys, ev_rows.keys)
    if not details:
        return Measurement(findings=none, notes=notes)
    findings = {
        "exact_dup_frac": max(d["exact_dup_frac"] for d in details.values()),
        "near_dup_frac": max(d["near_dup_frac"] for d in details.values()),
    }
    return Measurement(findings=findings, details=details, notes=notes)


def row_keys(X) -> list[bytes]:
    """The bytes of each float32 row (``+ 0.0`` turns -0.0 into 0.0, so both hash alike)."""
    import numpy as np

    R = np.ascontiguousarray(np.asarray(X, np.float32) + np.float32(0.0))
    return [r.tobytes() for r in R]


def duplicates(train, ev, seed: int, train_keys=None, ev_keys=None) -> dict:
    """Exact duplicates by row bytes (or by the given keys: token sequences), near ones by distance."""
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    from dldoctor.probes.dataset import subsample
    from dldoctor.probes.features import one_thread, prepared

    exact_by_keys = train_keys is not None and ev_keys is not None
    seen = set(train_keys if exact_by_keys else row_keys(train))
    exact = np.array([k in seen for k in (ev_keys if exact_by_keys else row_keys(ev))])
    q = subsample(len(ev), MAX_QUERIES, seed)
    with one_thread():
        A, B = prepared(train, ev[q], seed=seed)  # float32 rows: half the search cost of float64
        nn = NearestNeighbors(n_neighbors=1).fit(A)
        w = subsample(len(A), WITHIN_SAMPLE, seed + 1)
        within = nn.kneighbors(A[w], n_neighbors=min(2, len(A)))[0][:, -1]
        dist, idx = nn.kneighbors(B)
    within = within[within > 0]
    scale = float(np.median(within)) if len(within) else 0.0
    dist = dist[:, 0]
    near = dist <= NEAR * scale if scale > 0 else dist == 0
    order = np.argsort(dist)[:EXAMPLES]
    return {
        "exact_dup_frac": float(exact.mean()),
        "near_dup_frac": float(near.mean()),
        "eval_rows": int(len(ev)), "train_rows": int(len(train)), "near_rows_searched": int(len(q)),
        "exact_dups": int(exact.sum()), "near_dups_in_searched": int(near.sum()),
        "exact_examples": np.flatnonzero(exact)[:EXAMPLES].tolist(),
        "closest": [{"eval_row": int(q[i]), "train_row": int(idx[i, 0]), "distance_ratio": float(dist[i] / scale) if scale else None}
                    for i in order],
        "median_train_nn_distance": scale,
    }
