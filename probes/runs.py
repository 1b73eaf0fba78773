"""Probe `runs`: The model runs: one forward, loss and backward on one real batch.

Runs one forward pass, the loss and a backward pass on the first real batch. A failure is classified
by the regular expressions in the KB's patterns.yaml (ctx.patterns) and names the module where it
happened.

How: forward pre/post hooks on every module keep a stack of the modules whose forward is running;
when an exception escapes, the top of the stack is the innermost module that raised (its post hook
never ran).  The root module is named by its class.  The message matched against the patterns is
``"<ExceptionType>: <message>"``, searched with RE2 (linear time: a user KB's pattern cannot hang the
diagnosis), case-insensitively for patterns given as text;
the first matching pattern wins, none matching gives ``other``.

When the subject has its own ``train_step`` and the bare ``model(inputs)`` path fails, the batch is
given to that step once more: a step that prepares the batch itself (moves it to the GPU, reshapes
it) runs, and then the model counts as running (a note says so).  The backward pass fills ``.grad``;
``run_probe`` restores the gradients afterwards.
"""
from __future__ import annotations

from dldoctor.probes.pattern_match import search
from dldoctor.probes.spec import Finding, Gate, Measurement, ProbeSpec

SPEC = ProbeSpec(
    id='runs',
    title='The model runs: one forward, loss and backward on one real batch',
    needs=('model', 'train_data', 'loss_fn'),
    cost_s=0.3,
    runs_model=False,
    gate=Gate('crashed', 'the model does not run'),
    patterns_finding='failure_kind',
    doc="Runs one forward pass, the loss and a backward pass on the first real batch. A failure is classified by the regular expressions in the KB's patterns.yaml (ctx.patterns) and names the module where it happened.",
    findings=(
        Finding('crashed', 'bool', 'forward, loss or backward raised an exception'),
        Finding('failure_kind', 'category', "the class of the failure, by the KB's patterns; 'none' when it ran", values=('none', 'shape-mismatch', 'dtype-casting', 'device-mismatch', 'label-out-of-range', 'out-of-memory', 'other')),
        Finding('failure_stage', 'category', 'where it failed', values=('none', 'data', 'forward', 'loss', 'backward')),
        Finding('failure_module', 'text', 'qualified name of the module whose forward raised, if any'),
        Finding('loss_finite', 'bool', 'the first loss is a finite number'),
    ),
)


def lost(why: str, patterns) -> Measurement:
    """What a run that never came back (killed, out of memory, timed out) establishes: the model does not run."""
    return Measurement(findings={"crashed": True, "failure_kind": classify(why, patterns), "failure_stage": None,
                                 "failure_module": None, "loss_finite": None},
                       notes=[f"one forward and backward pass on one batch did not come back: {why}"])


def classify(message: str, patterns) -> str:
    """The kind of the first pattern that matches ``message``; ``other`` when none does.

    ``patterns``: (kind, regex) pairs or objects with ``kind`` and ``regex`` (kb Pattern entries);
    a regex is text (compiled case-insensitively, by RE2) or an already compiled pattern."""
    for p in patterns:
        kind, rx = (p.kind, p.regex) if hasattr(p, "regex") else p
        if search(rx, message):
            return kind
    return "other"


def measure(subject, ctx) -> Measurement:
    import math

    from dldoctor.probes import training

    findings = dict(crashed=False, failure_kind="none", failure_stage="none", failure_module=None, loss_finite=None)
    details, notes = {}, []
    stage, stack, where = "data", [], []
    handles = _track(subject.model, stack, where)
    try:
        inputs, targets = training.first_batch(subject)
        stage = "forward"
        out = training.forward(subject, inputs)
        stage = "loss"
        value = training.loss(subject, out, targets)
        findings["loss_finite"] = math.isfinite(training.as_float(value))
        stage = "backward"
        value.backward()
        stage = "none"
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the crash is the measurement
        error = exc
    else:
        error = None
    finally:
        for h in handles:
            h.remove()
    if error is not None and stage != "data" and subject.train_step is not None:
        retried = _user_step(subject, training)
        if retried is not None:
            notes.append(f"model(inputs) failed at the {stage} ({_text(error)}) but the subject's train_step runs")
            findings["loss_finite"] = math.isfinite(retried)
            error, stage = None, "none"
    if error is not None:
        message = _text(error)
        findings.update(crashed=True, failure_kind=classify(message, ctx.patterns), failure_stage=stage,
                        failure_module=where[0] if where and stage == "forward" else None)
        details["message"] = message[:2000]
        notes.append(f"{stage} raised {message.splitlines()[0][:300]}")
    return Measurement(findings=findings, details=details, notes=notes)


def _track(model, stack: list, where: list) -> list:
    """Hooks that keep the stack of running modules; ``where`` gets the innermost one on a raise."""
    root = type(model).__name__

    def pre(name):
        def hook(module, args):
            stack.append(name or root)
            where[:] = stack[-1:]
        return hook

    def post(module, args, output):
        stack.pop()
        where[:] = stack[-1:]

    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(pre(name)))
        handles.append(module.register_forward_hook(post))
    return handles


def _user_step(subject, training) -> float | None:
    try:
        return training.step(subject, training.first_batch(subject), training.make_optimizer(subject))
    except KeyboardInterrupt:
        raise
    except BaseException:  # the first failure is the one reported
        return None


def _text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
