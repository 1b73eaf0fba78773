"""What the subject has, for questions that apply only to some models (``applies_if`` in the KB).

Plain booleans, read without running the model: a train_step of its own, batch normalization or
dropout layers, a GPU.  The session never asks about a component the subject lacks.
"""
from __future__ import annotations


def of(subject) -> dict[str, bool]:
    import torch

    modules = list(subject.model.modules()) if isinstance(getattr(subject, "model", None), torch.nn.Module) else []
    on_gpu = any(p.is_cuda for m in modules[:1] for p in m.parameters())
    return {
        "train_step": getattr(subject, "train_step", None) is not None,
        "batch_norm": any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in modules),
        "dropout": any(isinstance(m, torch.nn.modules.dropout._DropoutNd) for m in modules),
        "gpu": bool(on_gpu or torch.cuda.is_available()),
    }
