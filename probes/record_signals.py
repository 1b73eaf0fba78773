"""Findings of the record's diagnostic signals (probe `record`): the first batches' inputs and
outputs, the loss against chance, the state at initialisation (the first record step, before any
update), update-ratio trends, gradients carried over between steps, frozen weights and where a
non-finite value first appeared.  Torch-free, like ``probes.record``; plain numbers, judged in the KB.
"""
from __future__ import annotations

import math

from dldoctor.probes.curve import median
from dldoctor.probes.spec import Finding

FINDINGS = (
    Finding('input_absmax', 'number', 'largest |value| in the first batches of model inputs'),
    Finding('input_std', 'number', 'median standard deviation of the first batches of model inputs'),
    Finding('outputs_simplex_dev', 'number', 'over the first batches, the largest distance of an output row sum from 1 plus the most negative output: 0 when the outputs are probabilities'),
    Finding('loss_over_chance_end', 'number', "the curve's end level / ln(classes) (classes: the watch's `classes`, else the output width)"),
    Finding('loss_over_chance_start', 'number', "the curve's start level / ln(classes): near 1 for a cross-entropy at init"),
    Finding('classes_given', 'bool', 'the watch was told the class count (classes=); else it is read from the output width'),
    Finding('first_last_grad_ratio_init', 'number', 'at the first record step (before any update): gradient RMS of the first weight layer / of the last'),
    Finding('dead_frac_init', 'number', 'at the first record step (before any update): largest share of dead units over ReLU layers'),
    Finding('dead_frac_rise', 'number', 'dead_frac_late - dead_frac_init: units that died during the run'),
    Finding('dead_frac_rise_early', 'number', 'largest dead share over the record steps of the first quarter of the run - dead_frac_init: units killed by the first steps'),
    Finding('grad_norm_init', 'number', 'at the first record step (before any update): the total gradient norm'),
    Finding('update_ratio_early', 'number', 'median over the first quarter of record steps of the median over layers of |update| / |weight|'),
    Finding('update_ratio_trend', 'number', 'log10 of update_ratio_late / update_ratio_early', unit='log10'),
    Finding('grad_carry_median', 'number', 'median over record steps after the first of: |.grad| at optimizer.step / the sum of the gradient norms backward added since the last step (<= 1 when .grad is reset)'),
    Finding('frozen_frac', 'number', 'share of the parameters that do not require gradients'),
    Finding('unchanged_frac', 'number', 'share of the trainable weight layers whose update was exactly 0 at every record step'),
    Finding('loss_peak_early', 'number', 'largest finite per-step loss in the first quarter of the steps / the start level'),
    Finding('nonfinite_before_frac', 'number', 'share of the steps before the first non-finite value'),
    Finding('loss_peak_before_nonfinite', 'number', 'largest finite loss before the first non-finite value / the start level'),
)


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _classes(header: dict, outputs: list[dict]) -> tuple[int | None, bool]:
    """(class count, whether the watch was told it): the header's ``classes``, else the one output width."""
    c = header.get("classes")
    if isinstance(c, int) and not isinstance(c, bool) and c >= 2:
        return c, True
    widths = {o.get("width") for o in outputs}
    w = widths.pop() if len(widths) == 1 else None
    return (w, False) if isinstance(w, int) and not isinstance(w, bool) and w >= 2 else (None, False)


def findings(header: dict, steps: list[dict], rec: list[dict], shape: dict, at: list[int], losses: list[float],
             early_end: int, late: float | None, dead_late: float | None, min_trend: int) -> tuple[dict, dict, list[str]]:
    """(findings, details, notes) of the signals; ``rec`` the record steps, ``shape`` the curve's numbers."""
    f = {x.name: None for x in FINDINGS}
    notes: list[str] = []
    inputs = [i for r in steps for i in (r.get("inputs") or []) if isinstance(i, dict)]
    floats = [i for i in inputs if _num(i.get("max")) is not None and _num(i.get("min")) is not None]
    if floats:
        f["input_absmax"] = max(max(abs(i["min"]), abs(i["max"])) for i in floats)
        stds = [_num(i.get("std")) for i in floats if _num(i.get("std")) is not None]
        f["input_std"] = median(stds) if stds else None
    outputs = [o for r in steps for o in (r.get("outputs") or []) if isinstance(o, dict)]
    devs = [(_num(o.get("rowsum_dev")), _num(o.get("min"))) for o in outputs if (o.get("width") or 0) >= 2]
    if devs and all(d is not None and m is not None for d, m in devs):
        f["outputs_simplex_dev"] = max(d + max(0.0, -m) for d, m in devs)
    c, f["classes_given"] = _classes(header, outputs)
    if c is not None:
        f["loss_over_chance_end"] = None if shape.get("end") is None else shape["end"] / math.log(c)
        f["loss_over_chance_start"] = None if shape.get("start") is None else shape["start"] / math.log(c)

    first = rec[0] if rec else None
    if first is not None and first.get("step") == 0:  # measured in the forward and backward before the first update
        f["first_last_grad_ratio_init"] = _num(first.get("first_last_grad_ratio"))
        f["dead_frac_init"] = _num(first.get("dead_frac"))
        f["grad_norm_init"] = _num(first.get("grad_norm"))
    if dead_late is not None and f["dead_frac_init"] is not None:
        f["dead_frac_rise"] = dead_late - f["dead_frac_init"]
    n_steps = (steps[-1]["step"] + 1) if steps else 0
    quarter = [r for r in rec if r["step"] < n_steps / 4] or rec[:2]  # the first quarter of the steps (the stride varies)
    early_dead = [v for v in (_num(r.get("dead_frac")) for r in quarter) if v is not None]
    if early_dead and f["dead_frac_init"] is not None and len(rec) >= min_trend:
        f["dead_frac_rise_early"] = max(early_dead) - f["dead_frac_init"]
    if len(rec) >= min_trend:
        early = [v for v in (_num(r.get("update_ratio")) for r in rec[:early_end]) if v is not None]
        f["update_ratio_early"] = median(early) if early else None
        if early and late is not None and f["update_ratio_early"] > 0 and late > 0:
            f["update_ratio_trend"] = math.log10(late / f["update_ratio_early"])
    carry = [v for v in (_num(r.get("grad_carry")) for r in rec[1:]) if v is not None]
    f["grad_carry_median"] = median(carry) if carry else None

    params, trainable = _num(header.get("params")), _num(header.get("trainable"))
    if params and trainable is not None:
        f["frozen_frac"] = 1.0 - trainable / params
    per_layer = [r["update_ratios"] for r in rec if isinstance(r.get("update_ratios"), list)]
    sizes = header.get("layer_sizes") or []
    weights = [i for i, n in enumerate(header.get("layers") or []) if i < len(sizes) and n.endswith("weight")]
    if per_layer and weights:
        still = [i for i in weights if all(i < len(u) and u[i] == 0 for u in per_layer)]
        f["unchanged_frac"] = len(still) / len(weights)

    q = [v for v in losses[:max(3, len(losses) // 4)] if math.isfinite(v)]
    if q and shape.get("start"):
        f["loss_peak_early"] = max(q) / shape["start"]
    bad_at = next((s for s, v in zip(at, losses) if not math.isfinite(v)), None)
    grad_bad = next((r for r in rec if r.get("nonfinite_grad")), None)
    first_bad = min(x for x in (bad_at, grad_bad and grad_bad["step"]) if x is not None) if (bad_at is not None or grad_bad) else None
    details = {}
    if first_bad is not None:
        n = (steps[-1]["step"] + 1) if steps else 0
        f["nonfinite_before_frac"] = first_bad / n if n else None
        before = [v for s, v in zip(at, losses) if s < first_bad and math.isfinite(v)]
        start = median(before[:3]) if before else None
        if start:
            f["loss_peak_before_nonfinite"] = max(before) / start
        where = (grad_bad or {}).get("nonfinite_layers") or []
        weights_bad = next((r.get("nonfinite_weights") for r in rec if r.get("nonfinite_weights")), None) or []
        details = {"step": first_bad, "layers": where, "weights": weights_bad}
        notes.append(f"first non-finite value at step {first_bad}" + (f"; gradients first non-finite in {', '.join(where[:3])}" if where else ""))
    return f, {"nonfinite": details, "classes": c}, notes
