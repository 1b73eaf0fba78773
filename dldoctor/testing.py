"""A pytest helper for users' own test suites: ``assert_trains(subject)``.

    from dldoctor.testing import assert_trains

    def test_my_model_trains():
        assert_trains({"model": make_model(), "train_data": loader, "loss_fn": nn.CrossEntropyLoss()})

It runs, in this process and with the user's objects restored afterwards (``probes.run.run_probe``),
the probe ``overfit-one-batch`` and every other probe that is fast (``cost_s`` at most ``FAST_S``) and
whose needs the subject meets, then ranks the KB's causes.  It fails when the subject cannot overfit
one batch (the curve is not ``converges`` or ``decreasing``: the guide's failure shapes are
``goes-up``, ``explodes``, ``oscillates`` and ``plateaus``) or when some cause reaches ``threshold``;
the message names the top cause and the evidence that raised it.
"""
from __future__ import annotations

from dldoctor.expert.engine import REPORT_THRESHOLD

FAST_S = 1.0  # probes costing at most this (declared seconds) run; the slow ones are left to `dldoctor diagnose`
LEARNS = ("overfit-converges", "overfit-decreasing")  # the KB symptoms of a curve that learns


def assert_trains(subject, steps: int | None = None, *, threshold: float = REPORT_THRESHOLD, seed: int = 0, kb=None) -> list:
    """Assert that ``subject`` (a Subject, a subject dict, or a function returning one) trains.

    steps: the most training steps overfit-one-batch may take (its own cap when None), passed to the
      probe as ``ctx.cache["overfit-one-batch:max_steps"]``.
    Returns the ranked beliefs (``expert.engine.Belief``) when the assertion holds.
    """
    from dldoctor.expert import engine
    from dldoctor.expert.knowledge import load_kb
    from dldoctor.expert.session import Diagnosis
    from dldoctor.expert.target import to_subject
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.run import run_probe

    if callable(subject) and not isinstance(subject, dict) and not hasattr(subject, "model"):
        subject = subject()
    subject = to_subject(subject, "assert_trains")
    kb = kb or load_kb()
    ctx = ProbeContext(seed=seed, patterns=[(p.kind, p.regex) for p in kb.patterns])
    if steps is not None:
        ctx.cache["overfit-one-batch:max_steps"] = int(steps)
    diag = Diagnosis(kb, keys=subject.keys(), threshold=threshold)
    order = ["runs", "overfit-one-batch"] + sorted(p for p, s in kb.probes.items() if s.cost_s <= FAST_S and p != "runs")
    for pid in order:
        if pid in kb.probes and pid in kb.symptoms_by_probe and diag.probe_status(pid) is None:
            diag.add_probe_result(run_probe(pid, subject, ctx))
    beliefs = engine.rank(kb, diag.observations)
    problems = []
    overfit = diag.records.get("overfit-one-batch")
    if overfit is None or not overfit.ok:
        why = overfit.message if overfit else diag.probe_status("overfit-one-batch") or "it did not run"
        problems.append(f"overfit-one-batch could not run: {why}")
    elif not any(getattr(diag.observations.get(s), "present", None) for s in LEARNS):
        f = overfit.findings
        shape = next((kb.symptoms[s].title for s, o in diag.observations.items() if o.source == "overfit-one-batch" and o.present
                      and s.startswith("overfit-") and s not in LEARNS), "has no shape")
        problems.append(f"it cannot overfit one batch: {shape}"
                        f" (final/first error {_num(f.get('final_ratio'))} after {_num(f.get('steps'))} steps)")
    top = beliefs[0] if beliefs else None
    if top is not None and top.score >= threshold:
        problems.append(f"cause {top.cause} scores {top.score:.2f} (threshold {threshold})")
    if problems:
        raise AssertionError("assert_trains: the subject does not train: " + "; ".join(problems) + _explain(kb, top))
    return beliefs


def _explain(kb, top) -> str:
    if top is None:
        return ""
    cause = kb.causes[top.cause]
    ev = [f"{c.symptom} ({'present' if c.present else 'absent'}{'' if c.observed is None else f', {_num(c.observed)}'})"
          for c in top.contributions if c.delta > 0][:4]
    return (f".\nTop cause: {cause.title} ({top.cause}, {top.score:.2f})" + (f"; evidence: {', '.join(ev)}" if ev else "")
            + (f".\nFirst remedy: {kb.remedies[cause.remedies[0]].title}" if cause.remedies else ""))


def _num(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)
