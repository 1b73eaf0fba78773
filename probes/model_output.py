"""Model outputs that are objects or dicts (Hugging Face ``ModelOutput``, ``{"logits", "loss"}``,
``(logits, hidden)`` tuples): the predictions and the loss the model computed itself.

``ModelLoss`` stands in for a missing ``loss_fn`` when the model returns its own loss: called on the
model's output it returns that loss; called on plain prediction tensors (probes evaluate losses on
outputs they make up) it computes the loss the model would, by Hugging Face's rule for sequence
classification: one output -> mean squared error; integer labels -> cross-entropy; otherwise
binary cross-entropy on logits.
"""
from __future__ import annotations

LOGIT_NAMES = ("logits", "prediction_logits", "predictions", "output", "out", "y_hat", "preds")


def logits(out):
    """The prediction tensor of a model output: the output itself when a tensor, else its
    ``logits`` (attribute or key), else its first tensor that is not the loss."""
    import torch

    if out is None or torch.is_tensor(out):
        return out
    for name in LOGIT_NAMES:
        v = _get(out, name)
        if torch.is_tensor(v):
            return v
    if isinstance(out, dict) or _is_model_output(out):
        items = out.items() if hasattr(out, "items") else vars(out).items()
        tensors = [v for k, v in items if k != "loss" and torch.is_tensor(v)]
        return tensors[0] if tensors else out
    if isinstance(out, (tuple, list)) and out and torch.is_tensor(out[0]):
        return out[0]
    return out


def loss_of(out):
    """The loss a model output carries (``.loss`` or ``["loss"]``), or None."""
    import torch

    v = _get(out, "loss")
    return v if torch.is_tensor(v) else None


def _get(out, name):
    if isinstance(out, dict) or hasattr(out, "keys") and hasattr(out, "__getitem__") and not hasattr(out, "shape"):
        try:
            return out[name] if name in out.keys() else None
        except (KeyError, TypeError):
            return None
    return getattr(out, name, None) if not isinstance(out, (tuple, list)) else None


def _is_model_output(out) -> bool:
    return type(out).__name__.endswith("Output") and hasattr(out, "__dict__")


class ModelLoss:
    """The model's own loss, used as the subject's ``loss_fn`` when none is given."""

    __name__ = "model's own loss"

    def __init__(self, num_labels: int | None = None, problem_type: str | None = None):
        self.num_labels, self.problem_type = num_labels, problem_type

    def __call__(self, outputs, targets):
        own = loss_of(outputs)
        if own is not None:
            return own
        pred = logits(outputs)
        import torch

        if not torch.is_tensor(pred):
            raise TypeError("the model's output carries no loss (.loss or ['loss']) and the subject has no loss_fn")
        return self.reference(pred, targets)(pred, targets)

    def reference(self, pred, targets):
        """The standard loss the model computes for these predictions and targets (HF's rule)."""
        import torch
        import torch.nn.functional as F

        kind = self.problem_type
        if kind is None:
            c = pred.shape[-1] if pred.dim() > 1 else 1
            if (self.num_labels or c) == 1:
                kind = "regression"
            elif torch.is_tensor(targets) and not targets.is_floating_point():
                kind = "single_label_classification"
            else:
                kind = "multi_label_classification"
        if kind == "regression":
            return _mse
        if kind == "single_label_classification":
            return lambda p, t: F.cross_entropy(p.reshape(-1, p.shape[-1]), t.reshape(-1))
        return lambda p, t: F.binary_cross_entropy_with_logits(p, t.to(p.dtype))

    @classmethod
    def for_model(cls, model) -> "ModelLoss":  # a Hugging Face model's config says how it computes its loss
        config = getattr(model, "config", None)
        return cls(getattr(config, "num_labels", None), getattr(config, "problem_type", None))


def _mse(p, t):
    """Mean squared error as Hugging Face computes it: one output per sample against the targets, squeezed."""
    import torch.nn.functional as F

    if p.dim() > 1 and p.shape[-1] == 1:
        return F.mse_loss(p.squeeze(-1), t.to(p.dtype).reshape(-1))
    return F.mse_loss(p, t.to(p.dtype))


def computes_own_loss(subject) -> bool:
    return isinstance(getattr(subject, "loss_fn", None), ModelLoss)
