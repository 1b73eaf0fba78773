"""Probe `input-stats`: Input statistics.

dtype and range of the inputs, per-feature mean and spread, constant features, NaN/Inf, and the
scale of what the first weight layer actually receives (so normalisation inside the model counts).

Scale is judged from what unscaled inputs change - per-feature root-mean-square and spread, and the
99th percentile of |value| - never from the single largest value: a standardised feature that is
rarely non-zero has |z| of 30-40 on its few non-zero rows (1/sqrt(share)).  By Chebyshev's
inequality at most 1% of any standardised feature's values pass |z| = 10, so the 99th percentile of
standardised inputs stays at or under 10 however sparse they are, while raw pixels and unscaled
columns put it in the tens to thousands.

Token ids (dict inputs with ``input_ids``, see probes/batch.py) are categorical: their dtype and
finiteness are reported, no scale or normalisation finding (an id of 20000 is no large value), and
the details give the id range, sequence lengths and the share of padding (attention mask 0).
"""
from __future__ import annotations

from dldoctor.probes.spec import Finding, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='input-stats',
    title='Input statistics',
    needs=('model', 'train_data'),
    cost_s=0.5,
    stage='start-simple',
    doc='dtype and range of the inputs, per-feature mean and spread, constant features, NaN/Inf, and the scale of what the first weight layer actually receives (so normalisation inside the model counts).',
    findings=(
        Finding('input_dtype', 'category', 'dtype of the inputs', values=('float32', 'float64', 'float16', 'bfloat16', 'uint8', 'int', 'bool', 'other')),
        Finding('raw_max_abs', 'number', 'largest |value| in the raw inputs'),
        Finding('raw_abs_p99', 'number', '99th percentile of |value| over all raw input values'),
        Finding('raw_min', 'number', 'smallest value in the raw inputs'),
        Finding('integer_share', 'number', 'share of the raw input values that are whole numbers (1 for 8-bit pixels and counts)'),
        Finding('first_layer_input_max_abs', 'number', 'largest |value| reaching the first weight layer'),
        Finding('first_layer_input_abs_p99', 'number', '99th percentile of |value| over everything reaching the first weight layer'),
        Finding('first_layer_input_rms', 'number', 'largest per-feature root-mean-square reaching the first weight layer (about 1 when standardised)'),
        Finding('first_layer_input_scale_log10', 'number', 'log10 of (largest feature std / smallest feature std) at the first weight layer, over features that vary in at least 1% of rows'),
        Finding('first_layer_input_offset', 'number', 'largest |mean| / std over features at the first weight layer'),
        Finding('constant_feature_frac', 'number', 'share of input features that never change'),
        Finding('nonfinite_inputs', 'bool', 'NaN or Inf in the inputs'),
    ),
)

MAX_ROWS = 2000
MAX_VALUES = 4_000_000  # fewer rows of wide inputs (large images)
MAX_BATCHES = 32
VARYING = 0.01  # a feature counts for the scale ratio when >= 1% of rows differ from its median
WEIGHT_LAYERS = ("Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
                 "ConvTranspose2d", "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
                 "RNN", "LSTM", "GRU", "MultiheadAttention", "Embedding", "EmbeddingBag")


class _Seen(Exception):
    """Raised by the pre-hook once the first weight layer's input is captured: the rest is not needed."""


def measure(subject, ctx) -> Measurement:
    import numpy as np

    from dldoctor.probes.batch import data_array, token_inputs
    from dldoctor.probes.dataset import DataUnreadable
    from dldoctor.probes.training import batches, keys_of

    raw, arrays, cap = [], [], MAX_ROWS
    try:
        for inputs, _ in batches(subject.train_data, MAX_BATCHES, keys_of(subject)):
            tokens = token_inputs(inputs)
            if tokens is not None:
                return token_stats(inputs, tokens)
            a = data_array(inputs)
            a = a.reshape(len(a), -1)
            if arrays and a.shape[1] != arrays[0].shape[1]:
                break  # rows of another size (ragged batches): keep the first size
            cap = min(MAX_ROWS, max(1, MAX_VALUES // max(1, a.shape[1])))
            raw.append(inputs)
            arrays.append(a)
            if sum(map(len, arrays)) >= cap:
                break
    except (DataUnreadable, TypeError) as exc:
        return Measurement(findings={f.name: None for f in SPEC.findings}, notes=[f"inputs not measured: {exc}"])
    if not arrays:
        return Measurement(findings={f.name: None for f in SPEC.findings}, notes=["train_data yields no batches"])
    x = np.concatenate(arrays)[:cap]
    f = {"input_dtype": dtype_name(raw[0])}
    finite = np.isfinite(x) if x.dtype.kind == "f" else np.ones(x.shape, bool)
    f["nonfinite_inputs"] = bool(not finite.all())
    xf = np.where(finite, x, 0).astype(np.float64)
    f["raw_max_abs"] = float(np.abs(xf).max()) if xf.size else None
    f["raw_abs_p99"] = float(np.percentile(np.abs(xf), 99)) if xf.size else None
    f["constant_feature_frac"] = float(np.mean(xf.max(0) == xf.min(0))) if len(xf) > 1 else None
    f["raw_min"] = float(xf.min()) if xf.size else None
    f["integer_share"] = float(np.mean(xf == np.round(xf))) if xf.size else None
    layer, seen = first_layer_inputs(subject, raw)
    f.update(layer_stats(seen))
    details = {"rows": int(len(x)), "features": int(x.shape[1]), "first_layer": layer,
               "raw_mean": float(xf.mean()), "raw_std": float(xf.std()), "raw_max": float(xf.max())}
    notes = [] if seen is not None else [f"first-layer statistics not measured: {layer}"]
    return Measurement(findings=f, details=details, notes=notes)


def token_stats(inputs, tokens) -> Measurement:
    """Token ids: categorical, so no scale findings; what they hold goes to the details."""
    ids, mask = tokens
    ids_key = next(k for k, v in inputs.items() if getattr(v, "shape", None) is not None and tuple(v.shape) == ids.shape
                   and dtype_name(v) in ("int", "uint8"))
    f = {f.name: None for f in SPEC.findings}
    f.update(input_dtype=dtype_name(inputs[ids_key]), nonfinite_inputs=False)
    real = ids[mask]
    details = {"rows": int(len(ids)), "token_key": ids_key, "sequence_length": int(ids.shape[1]),
               "min_token_id": int(real.min()) if real.size else None, "max_token_id": int(real.max()) if real.size else None,
               "padding_share": float(1 - mask.mean()) if mask.size else None,
               "mean_real_tokens": float(mask.sum(1).mean()) if mask.size else None, "other_inputs": sorted(set(inputs) - {ids_key})}
    return Measurement(findings=f, details=details,
                       notes=["token ids are categorical: no scale or normalisation judgement on them"])


def dtype_name(inputs) -> str:
    name = str(getattr(inputs, "dtype", "other")).replace("torch.", "")
    if name in ("float32", "float64", "float16", "bfloat16", "uint8", "bool"):
        return name
    return "int" if name.startswith(("int", "uint")) else "other"


def first_layer_inputs(subject, raw):
    """(layer name, inputs as (rows, features) float64) of the first weight layer in execution order.

    A pre-hook on every weight layer records the first call and stops the forward pass there.
    The model runs in training mode (BatchNorm uses batch statistics, as in training).
    """
    import numpy as np
    import torch

    from dldoctor.probes.training import forward, model_device, to_device

    model = subject.model
    got = {}

    def hook(module, args):
        if "name" not in got:
            got["name"], got["type"] = names[module], type(module).__name__
            got["x"] = args[0] if args else None
        raise _Seen

    names = {m: f"{n} ({type(m).__name__})" for n, m in model.named_modules() if type(m).__name__ in WEIGHT_LAYERS}
    if not names:
        return "the model has no Linear, Conv, recurrent or embedding layer", None
    handles = [m.register_forward_pre_hook(hook) for m in names]
    parts = []
    try:
        model.train()
        device = model_device(model)
        for inputs in raw:
            got.clear()
            with torch.no_grad():
                try:
                    forward(subject, to_device(inputs if torch.is_tensor(inputs) or isinstance(inputs, dict) else torch.as_tensor(inputs), device))
                except _Seen:
                    pass
            x = got.get("x")
            if not torch.is_tensor(x):
                return got.get("name", "the first weight layer was not reached"), None
            if "Embedding" in got["type"]:
                return f"{got['name']} receives indices, not features", None
            conv = "Conv" in got["type"]
            x = x.detach().float().cpu()
            x = x.transpose(1, -1) if conv and x.ndim > 2 else x  # channels last
            parts.append(x.reshape(-1, x.shape[-1]).numpy().astype(np.float64))
    except Exception as exc:  # the model's own failure: reported, first-layer findings unknown
        return f"the model failed before its first weight layer: {type(exc).__name__}: {exc}"[:200], None
    finally:
        for h in handles:
            h.remove()
    return got.get("name"), np.concatenate(parts)


def layer_stats(x) -> dict:
    import numpy as np

    keys = ("first_layer_input_max_abs", "first_layer_input_abs_p99", "first_layer_input_rms", "first_layer_input_scale_log10", "first_layer_input_offset")
    if x is not None:
        x = x[np.isfinite(x).all(1)]  # rows with NaN/Inf are reported by nonfinite_inputs
    if x is None or len(x) == 0:
        return dict.fromkeys(keys)
    std, mean = x.std(0), x.mean(0)
    varying = (x != np.median(x, 0)).mean(0) >= VARYING
    s = std[varying & (std > 0)]
    ok = std > 0
    return {
        "first_layer_input_max_abs": float(np.abs(x).max()),
        "first_layer_input_abs_p99": float(np.percentile(np.abs(x), 99)),
        "first_layer_input_rms": float(np.sqrt((x ** 2).mean(0)).max()),
        "first_layer_input_scale_log10": float(np.log10(s.max() / s.min())) if len(s) else None,
        "first_layer_input_offset": float((np.abs(mean[ok]) / std[ok]).max()) if ok.any() else None,
    }
