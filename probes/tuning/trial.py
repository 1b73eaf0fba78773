"""One trial: a fresh copy of the subject with these settings, trained for N steps, validated.

Fresh: a deep copy of the model as it was loaded (the same initial weights for every trial), or the
model of ``build(params)`` for declared parameters; an optimizer of the subject's class and
parameter groups on it, with the trial's values set through ``param_groups``.  Seeded: Python,
NumPy and torch are seeded with the same seed before every trial, and shuffling loaders draw from a
seeded generator, so trials differ by their settings only.  Trained through ``training.step`` (the
user's ``train_step`` when given), cycling over the training batches, for exactly ``steps`` steps
unless the loss stops being finite (diverged: the worst value) or the pruner stops it.  Validated
at checkpoints (a fifth of the steps apart) in eval mode: the error (1 - accuracy) for
classification, the mean loss for regression.
"""
from __future__ import annotations

import copy
import math
import random

MAX_VAL_ROWS = 20_000  # validation rows per evaluation: enough for an error to 1%, bounded for big sets
CHECKPOINTS = 5  # validations per trial: what the pruner judges


class TrialError(Exception):
    """The subject cannot be tuned as it is (one line)."""


def seed_all(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fresh_optimizer(subject, model, original):
    """An optimizer of the subject's kind on ``model`` (a copy of ``original``), same parameter groups."""
    import torch

    from dldoctor.probes import training

    opt = subject.optimizer
    if not isinstance(opt, torch.optim.Optimizer):
        return training.make_optimizer(subject, model=model)
    twin = {id(p): q for p, q in zip(original.parameters(), model.parameters())}
    groups = []
    for g in opt.param_groups:
        params = [twin.get(id(p)) if id(p) in twin else p.detach().clone().requires_grad_(p.requires_grad) for p in g["params"]]
        groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": params})
    from dldoctor.probes.tuning.space import class_defaults

    accepted = class_defaults(type(opt))  # defaults may hold keys the constructor does not take (AdamW's decoupled_weight_decay)
    return type(opt)(groups, **{k: v for k, v in opt.defaults.items() if k in accepted})


def apply(optimizer, values: dict) -> None:
    """Set the trial's values through ``param_groups``: group 0 takes the value, the others keep their ratio."""
    groups = optimizer.param_groups
    for name in ("lr", "weight_decay", "momentum"):
        if name not in values:
            continue
        base = float(groups[0][name])
        for g in groups:
            if base:
                g[name] = values[name] * float(g[name]) / base
            elif float(g[name]) == base:
                g[name] = values[name]
    if "betas" in values:
        for g in groups:
            g["betas"] = (values["betas"][0], g["betas"][1])


class Evaluator:
    """The validation metric of a model on a loader; the task (so the metric) and the loss kind are found
    on the first call, from the untrained model's outputs, and kept for every trial."""

    def __init__(self):
        self.metric, self.kind = None, None

    def __call__(self, subject, model, loader) -> float:
        import torch

        from dldoctor.probes import training
        from dldoctor.probes.model_error import classification_error

        was = model.training
        model.eval()
        outs, ys, loss_sum, n = [], [], 0.0, 0
        try:
            with torch.no_grad():
                for inputs, targets in training.batches(loader):
                    out = training.forward(subject, inputs, model)
                    loss = float(subject.loss_fn(out, targets))
                    outs.append(out.detach().float().cpu())
                    ys.append(torch.as_tensor(targets).detach().cpu())
                    loss_sum, n = loss_sum + loss * len(out), n + len(out)
                    if n >= MAX_VAL_ROWS:
                        break
        finally:
            model.train(was)
        if not n:
            raise TrialError("the validation data yields no batches")
        out, y = torch.cat(outs), torch.cat(ys)
        if self.metric is None:
            self._settle(subject, out, y)
        if self.metric == "val_loss":
            value = loss_sum / n
        else:
            value = classification_error(out, y, self.kind)
        return value if value is not None and math.isfinite(value) else worst(self.metric)

    def _settle(self, subject, out, y) -> None:
        from dldoctor.probes.loss_kind import identify
        from dldoctor.probes.task import task_of

        task = task_of(subject, y.numpy()) or ("regression" if y.is_floating_point() else "classification")
        self.metric = "val_error" if task == "classification" else "val_loss"
        kind = identify(subject.loss_fn, out, y)
        self.kind = kind.name if kind else None


def worst(metric: str) -> float:
    return 1.0 if metric == "val_error" else math.inf


def train(subject, model, optimizer, train_loader, steps: int, validate, worst_value: float, report=None) -> dict:
    """Train ``steps`` steps; ``validate(model)`` at each checkpoint, then ``report(step, value, record)``,
    which may raise to stop the trial (pruning).  Returns ``record``: {"value", "steps", "diverged",
    "values": {step: value}}, kept current while it runs."""
    from dldoctor.probes import training

    every = max(1, steps // CHECKPOINTS)
    record = {"value": None, "steps": 0, "diverged": False, "values": {}}
    model.train()
    batches = iter(train_loader)
    for step in range(1, steps + 1):
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(train_loader)
            try:
                batch = next(batches)
            except StopIteration:
                raise TrialError("the training data yields no batches") from None
        loss = training.step(subject, batch, optimizer, model=model)
        record["steps"] = step
        if not math.isfinite(loss):
            record.update(diverged=True, value=worst_value)
            return record
        if step % every == 0 or step == steps:
            value = validate(model)
            record["values"][step], record["value"] = value, value
            if report is not None and step < steps:
                report(step, value, record)
    return record


def unchanged(model, before) -> bool:
    """True when training left every parameter of ``model`` as in ``before`` (a train_step that
    trains some other model than the one it is given)."""
    import torch

    return all(torch.equal(p, q) for p, q in zip(model.parameters(), before.parameters()))


def copy_model(model):
    return copy.deepcopy(model)
