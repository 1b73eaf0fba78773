"""The search space: what the subject exposes without code changes, and what it declares itself.

Exposed, in the guide's order of importance (learning rate first, then the weight of regularization,
then the other optimizer parameters, then the batch size):

- ``lr`` of the optimizer's first parameter group, log-uniform over a wide range for its family;
- ``weight_decay``, log-uniform (``1e-6`` stands for "none": a log range cannot hold 0);
- ``momentum`` (SGD, RMSprop) uniform in [0, 0.99], and ``betas``' first value (Adam & co) in [0.5, 0.99]
  (the second keeps its given value: it matters little over a few hundred steps);
- ``batch_size`` when ``train_data`` is a DataLoader over a sized Dataset with a plain (random or
  sequential) sampler: the given size times 1/4 .. 4, powers of two apart.  Searched only when named
  (``--params ...,batch_size``): trials are bounded in steps, and at a fixed number of steps a larger
  batch sees more examples (more compute), so a search would favour the largest batch for that
  reason alone, and the optimizer values found would belong to a batch size the user did not choose.

Other parameter groups keep their ratio to the first (a group without weight decay keeps none).
Declared: ``search_space = {"name": spec, ..., "build": build}`` where a spec is a tuple ``(low, high)``
(floats, or ints when both are ints), a list of choices, or a dict ``{"low", "high", "log", "step"}`` /
``{"choices": [...]}``; ``build(params)`` returns a subject for the declared values.  A declared name
replaces an exposed one of the same name (its value then goes to ``build`` only).
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any

# Wide log ranges of the learning rate: plain SGD trains small nets at 1e-2..1 and diverges past ~10;
# adaptive methods (Adam & co) normalise the step and work at 1e-4..1e-2, diverging past ~0.3.
LR_RANGES = {"SGD": (1e-4, 10.0), "ASGD": (1e-4, 10.0), "Adadelta": (1e-2, 10.0)}
LR_ADAPTIVE = (1e-5, 0.3)
# Weight decay: coupled (L2 added to the gradient) bites at ~1e-4..1e-2; decoupled (AdamW) is
# multiplied by the rate, so its useful values are ~100x larger.
WD_COUPLED = (1e-6, 0.1)
WD_DECOUPLED = (1e-5, 1.0)
MOMENTUM = (0.0, 0.99)  # 1.0 never decays: the step grows without bound
BETA1 = (0.5, 0.99)  # Adam's first moment; below 0.5 it is barely an average
BATCH_FACTORS = (0.25, 0.5, 1, 2, 4)


class SpaceError(ValueError):
    """A declared search space that cannot be used (one line naming the key)."""


@dataclass
class Param:
    name: str  # as reported: a param_groups key, batch_size, or a declared name
    kind: str  # float | int | categorical
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list = field(default_factory=list)
    given: Any = None
    source: str = "optimizer"  # optimizer | data | declared

    @property
    def key(self) -> str:
        """The name inside the study (betas' first value is a scalar there)."""
        return "beta1" if self.name == "betas" else self.name

    def distribution(self):
        import optuna.distributions as d

        if self.kind == "categorical":
            return d.CategoricalDistribution(self.choices)
        if self.kind == "int":
            return d.IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return d.FloatDistribution(float(self.low), float(self.high), log=self.log, step=self.step)

    def describe(self) -> dict:
        out = {"name": self.name, "kind": self.kind, "source": self.source, "given": self.given}
        if self.kind == "categorical":
            out["choices"] = list(self.choices)
        else:
            out.update(low=self.low, high=self.high, log=self.log)
        return out


def optimizer_params(optimizer) -> list[Param]:
    group = optimizer.param_groups[0]
    family = type(optimizer).__name__
    out = []
    if "lr" in group:
        low, high = LR_RANGES.get(family, LR_ADAPTIVE)
        out.append(Param("lr", "float", low, high, log=True, given=_num(group["lr"])))
    if "weight_decay" in group:
        decoupled = family == "AdamW" or bool(group.get("decoupled_weight_decay"))
        low, high = WD_DECOUPLED if decoupled else WD_COUPLED
        out.append(Param("weight_decay", "float", low, high, log=True, given=_num(group["weight_decay"])))
    if "momentum" in group and isinstance(group["momentum"], (int, float)):
        out.append(Param("momentum", "float", *MOMENTUM, given=_num(group["momentum"])))
    if "betas" in group and len(group["betas"]) == 2:
        out.append(Param("betas", "float", *BETA1, given=[_num(b) for b in group["betas"]]))
    return out


def batch_param(loader) -> Param | None:
    from dldoctor.probes.tuning.data import rebatchable

    if not rebatchable(loader):
        return None
    b, n = loader.batch_size, len(loader.dataset)
    choices = sorted({max(1, min(n, int(round(b * f)))) for f in BATCH_FACTORS})
    return Param("batch_size", "categorical", choices=choices, given=b, source="data") if len(choices) > 1 else None


def declared(search_space) -> tuple[list[Param], Any]:
    """(the declared params, the build callable); SpaceError names the bad key."""
    if search_space is None:
        return [], None
    if not isinstance(search_space, dict):
        raise SpaceError(f"'search_space' must be a dict of name: spec plus 'build', got {type(search_space).__name__}")
    build = search_space.get("build")
    specs = {k: v for k, v in search_space.items() if k != "build"}
    if specs and not callable(build):
        raise SpaceError("'search_space' declares parameters but no callable 'build(params)' that returns a subject")
    return [_declared(name, spec) for name, spec in specs.items()], build


def _declared(name: str, spec) -> Param:
    where = f"'search_space' key '{name}'"
    if isinstance(spec, list) or (isinstance(spec, dict) and "choices" in spec):
        choices = list(spec["choices"] if isinstance(spec, dict) else spec)
        if not choices:
            raise SpaceError(f"{where}: no choices")
        if not all(c is None or isinstance(c, (bool, int, float, str)) for c in choices):
            raise SpaceError(f"{where}: choices must be numbers, strings, booleans or None")
        return Param(name, "categorical", choices=choices, source="declared")
    if isinstance(spec, tuple) and len(spec) == 2:
        spec = {"low": spec[0], "high": spec[1]}
    if not isinstance(spec, dict) or "low" not in spec or "high" not in spec:
        raise SpaceError(f"{where}: a spec is (low, high), a list of choices, or a dict with low/high or choices")
    low, high = spec["low"], spec["high"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)) or low >= high:
        raise SpaceError(f"{where}: low and high must be finite numbers with low < high, got {low!r}, {high!r}")
    log = bool(spec.get("log", False))
    if log and low <= 0:
        raise SpaceError(f"{where}: a log range needs low > 0, got {low!r}")
    kind = "int" if isinstance(low, int) and isinstance(high, int) else "float"
    return Param(name, kind, low, high, log=log, step=spec.get("step"), source="declared")


def discover(subject, optimizer, names=None) -> tuple[list[Param], Any]:
    """(params in the guide's order, build) for this subject and its (fresh) optimizer; ``names``
    keeps only those; SpaceError for a name nobody exposes."""
    params, build = declared(getattr(subject, "search_space", None))
    own = {p.name for p in params}
    exposed = [p for p in optimizer_params(optimizer) if p.name not in own]
    batch = batch_param(subject.train_data)
    if batch is not None and batch.name not in own and names and batch.name in names:
        exposed.append(batch)
    space = exposed + params
    if names:
        known = [p.name for p in space]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SpaceError(f"--params {unknown[0]}: not in the search space (it holds {', '.join(known) or 'nothing'})")
        space = [p for p in space if p.name in names]
    return space, build


def values_of(trial_params: dict, space: list[Param]) -> dict:
    """The study's values (by key) -> the reported values (by name), rounded to 3 significant digits."""
    out = {}
    for p in space:
        if p.key not in trial_params:
            continue
        v = trial_params[p.key]
        if p.kind == "float":
            v = float(f"{v:.3g}")
        out[p.name] = [v, p.given[1]] if p.name == "betas" else v
    return out


def class_defaults(cls) -> dict:
    """The keyword defaults of an optimizer class's constructor."""
    try:
        return {k: v.default for k, v in inspect.signature(cls.__init__).parameters.items() if v.default is not v.empty}
    except (TypeError, ValueError):
        return {}


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return v
