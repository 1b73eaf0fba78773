"""Which standard loss the user's ``loss_fn`` computes, with what sign and scale (probe support).

Probes need to know what a loss expects (logits, log-probabilities, probabilities or values), what an
uninformed prediction costs and how low it can go.  A ``torch.nn`` loss module is recognised by its
type (its weights, label smoothing and reduction are then the reference itself).  Any other callable
is recognised by behaviour: it is evaluated on two random outputs against the real targets and
compared with the standard losses; a candidate that matches both evaluations up to one constant
factor is taken, the factor closest to 1 winning.  The factor covers sum against mean reduction, a
constant weight and a flipped sign (``lambda o, t: -F.cross_entropy(o, t)`` is cross-entropy with
scale -1).  Imported only inside ``measure`` (it imports torch).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

EXPECTS = {"cross-entropy": "logits", "bce-logits": "logits", "nll": "log-probabilities", "kl": "log-probabilities",
           "bce": "probabilities", "mse": "values", "l1": "values", "huber": "values"}

_MODULES = ((nn.CrossEntropyLoss, "cross-entropy"), (nn.NLLLoss, "nll"), (nn.BCEWithLogitsLoss, "bce-logits"),
            (nn.MultiLabelSoftMarginLoss, "bce-logits"), (nn.BCELoss, "bce"), (nn.KLDivLoss, "kl"),
            (nn.MSELoss, "mse"), (nn.L1Loss, "l1"), (nn.HuberLoss, "huber"), (nn.SmoothL1Loss, "huber"))

_CANDIDATES = (("cross-entropy", F.cross_entropy), ("nll", F.nll_loss), ("bce-logits", F.binary_cross_entropy_with_logits),
               ("bce", F.binary_cross_entropy), ("mse", F.mse_loss), ("l1", F.l1_loss), ("huber", F.huber_loss),
               ("kl", F.kl_div))


@dataclass(frozen=True)
class LossKind:
    name: str  # a key of EXPECTS
    scale: float  # user's loss = scale * reference; negative when the sign is flipped
    reference: Callable  # the standard (unsigned) loss, called as reference(outputs, targets)
    cast_targets: bool = False  # the reference needs the targets cast to the outputs' dtype

    @property
    def expects(self) -> str:
        return EXPECTS[self.name]

    @property
    def classification(self) -> bool:
        return self.name in ("cross-entropy", "nll", "bce-logits", "bce", "kl")

    def value(self, outputs, targets) -> float:
        t = targets.to(outputs.dtype) if self.cast_targets else targets
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return abs(self.scale) * float(self.reference(outputs, t))

    def uninformed(self, outputs, targets) -> float:
        """The loss of a prediction that knows nothing but the targets' mean: uniform class
        probabilities (zero logits, log 1/C), p = 0.5, or the targets' mean for value losses."""
        if self.name in ("cross-entropy", "bce-logits"):
            u = torch.zeros_like(outputs)
        elif self.name in ("nll", "kl"):
            u = torch.full_like(outputs, -math.log(outputs.shape[1] if outputs.dim() > 1 else 1))
        elif self.name == "bce":
            u = torch.full_like(outputs, 0.5)
        else:
            t = targets.to(outputs.dtype)
            mean = t.mean(0, keepdim=True) if t.shape == outputs.shape else t.mean()
            u = mean.expand_as(outputs) if t.shape == outputs.shape else torch.full_like(outputs, float(mean))
        return self.value(u, targets)

    def floor(self, outputs, targets) -> float:
        """The lowest loss reachable on these targets: the entropy of (smoothed or soft) target
        distributions for cross-entropy and BCE, 0 otherwise."""
        if self.name == "cross-entropy" and outputs.dim() > 1:
            c = outputs.shape[1]
            eps = float(getattr(self.reference, "label_smoothing", 0.0))
            q = targets.to(outputs.dtype) if targets.is_floating_point() else F.one_hot(targets.long().clamp(0, c - 1), c).to(outputs.dtype)
            if q.shape != outputs.shape:
                return 0.0
            q = (1 - eps) * q + eps / c
            return self.value(q.clamp_min(1e-12).log(), targets)
        if self.name in ("bce-logits", "bce") and targets.is_floating_point():
            q = targets.to(outputs.dtype).clamp(1e-6, 1 - 1e-6)
            return self.value(torch.logit(q) if self.name == "bce-logits" else q, targets)
        return 0.0


def identify(loss_fn, outputs, targets, seed: int = 0) -> LossKind | None:
    """The standard loss ``loss_fn`` computes on tensors like these, or None when none matches."""
    if not (torch.is_tensor(outputs) and torch.is_tensor(targets) and outputs.is_floating_point()):
        return None
    for cls, name in _MODULES:
        if isinstance(loss_fn, cls):
            return LossKind(name, 1.0, loss_fn)
    g = torch.Generator(device="cpu").manual_seed(seed)
    zs = [(torch.rand(outputs.shape, generator=g) * 0.9 + 0.05).to(outputs.device, outputs.dtype) for _ in range(2)]
    user = [_call(loss_fn, z, targets) for z in zs]
    if None in user:
        return None
    matches = []
    for name, fn in _CANDIDATES:
        for cast in (False, True):
            t = targets.to(outputs.dtype) if cast else targets
            ref = [_call(fn, z, t) for z in zs]
            if None in ref or 0.0 in ref:
                continue
            s1, s2 = user[0] / ref[0], user[1] / ref[1]
            if abs(s1) > 1e-12 and abs(s1 - s2) <= 1e-4 * max(abs(s1), abs(s2)):
                matches.append((abs(math.log(abs(s1))), cast, LossKind(name, s1, fn, cast)))
                break
    return min(matches, key=lambda m: m[:2])[2] if matches else None


def _call(fn, o, t) -> float | None:
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = fn(o, t)
        v = float(v) if torch.is_tensor(v) and v.numel() == 1 else None
    except (RuntimeError, ValueError, IndexError, TypeError):
        return None
    return v if v is not None and math.isfinite(v) else None
