"""The one explicit table of built-in probes: id -> module.  Reading it never imports torch."""
from __future__ import annotations

import importlib
from functools import lru_cache

from probes.spec import ProbeSpec

PROBE_MODULES: dict[str, str] = {
    # implement and debug
    "runs": "probes.runs",
    "output-vs-target": "probes.output_vs_target",
    "loss-at-init": "probes.loss_at_init",
    "overfit-one-batch": "probes.overfit_one_batch",
    "lr-range": "probes.lr_range",
    "grad-flow": "probes.grad_flow",
    "train-step-audit": "probes.train_step_audit",
    "activations": "probes.activations",
    "numerics": "probes.numerics",
    "memory": "probes.memory",
    "regularization": "probes.regularization",
    # data, labels and evaluation
    "input-stats": "probes.input_stats",
    "class-balance": "probes.class_balance",
    "batch-composition": "probes.batch_composition",
    "label-alignment": "probes.label_alignment",
    "leakage": "probes.leakage",
    "shift": "probes.shift",
    "bias-variance": "probes.bias_variance",
    "history": "probes.history",
    "record": "probes.record",
}


def module(probe_id: str):
    return importlib.import_module(PROBE_MODULES[probe_id])


@lru_cache(maxsize=1)
def catalog() -> dict[str, ProbeSpec]:
    """Every built-in probe's declaration, by id (torch-free)."""
    specs = {}
    for pid in PROBE_MODULES:
        spec = module(pid).SPEC
        assert spec.id == pid, f"{PROBE_MODULES[pid]}.SPEC.id is {spec.id!r}, registered as {pid!r}"
        specs[pid] = spec
    return specs
