"""The one explicit table of built-in probes: id -> module.  Reading it never imports torch."""
from __future__ import annotations

import importlib
from functools import lru_cache

from dldoctor.probes.spec import ProbeSpec

PROBE_MODULES: dict[str, str] = {
    # implement and debug
    "runs": "dldoctor.probes.runs",
    "output-vs-target": "dldoctor.probes.output_vs_target",
    "loss-at-init": "dldoctor.probes.loss_at_init",
    "overfit-one-batch": "dldoctor.probes.overfit_one_batch",
    "lr-range": "dldoctor.probes.lr_range",
    "grad-flow": "dldoctor.probes.grad_flow",
    "train-step-audit": "dldoctor.probes.train_step_audit",
    "activations": "dldoctor.probes.activations",
    "numerics": "dldoctor.probes.numerics",
    "memory": "dldoctor.probes.memory",
    "regularization": "dldoctor.probes.regularization",
    # data, labels and evaluation
    "input-stats": "dldoctor.probes.input_stats",
    "class-balance": "dldoctor.probes.class_balance",
    "batch-composition": "dldoctor.probes.batch_composition",
    "label-alignment": "dldoctor.probes.label_alignment",
    "leakage": "dldoctor.probes.leakage",
    "shift": "dldoctor.probes.shift",
    "bias-variance": "dldoctor.probes.bias_variance",
    "history": "dldoctor.probes.history",
    "record": "dldoctor.probes.record",
    "distributed": "dldoctor.probes.distributed",
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
