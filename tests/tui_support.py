"""What the TUI tests share: a small KB of their own and a runner with canned results.

The KB (``small_kb(tmp_path)``) has five causes, symptoms answered by real probe ids (their
declarations are torch-free), some by questions only, and the guide's five stages, so the tests do
not depend on the built-in KB's content.  ``FakeRunner`` answers like ``WorkerRunner`` without a
process or torch.
"""
from __future__ import annotations

from pathlib import Path

from dldoctor.expert.compiler import KnowledgeBase, compile_kb
from dldoctor.probes.result import ProbeResult

STAGES = """\
stages:
  - {id: start-simple, title: Start simple, order: 1, summary: A simple model on a small data set., next: [implement-and-debug]}
  - {id: implement-and-debug, title: Implement and debug, order: 2, summary: Get the model to run and overfit one batch., next: [evaluate]}
  - {id: evaluate, title: Evaluate, order: 3, summary: Bias-variance decomposition., next: [improve]}
  - {id: improve, title: Improve, order: 4, summary: Address under- and over-fitting., next: [tune]}
  - {id: tune, title: Tune, order: 5, summary: Hyper-parameter search.}
"""

SYMPTOMS = """\
symptoms:
  - id: model-crashes
    title: The model crashes on one batch
    stage: implement-and-debug
    probe: {probe: runs, finding: crashed, is: true}
  - id: loss-explodes
    title: The loss explodes on one batch
    stage: implement-and-debug
    question: Does the training loss blow up (NaN or very large) within the first steps?
    probe: {probe: overfit-one-batch, any: [{finding: peak_ratio, above: 10}, {finding: final_ratio, above: 1.5}]}
  - id: lr-above-best
    title: The learning rate is far above the best of a range test
    stage: implement-and-debug
    probe: {probe: lr-range, finding: log10_lr_ratio, above: 1.0}
  - id: grads-accumulate
    title: Gradients accumulate across steps
    stage: implement-and-debug
    question: Is optimizer.zero_grad() missing from your training loop?
    probe: {probe: train-step-audit, finding: grad_accumulation_ratio, above: 1.5}
  - id: params-without-grad
    title: Some parameters get no gradient
    stage: implement-and-debug
    probe: {probe: grad-flow, finding: frac_no_grad, above: 0.1}
  - id: classes-imbalanced
    title: One class dominates the training labels
    stage: start-simple
    question: Is the most frequent class more than five times as common as the rarest?
    probe: {probe: class-balance, finding: imbalance_ratio, above: 5}
  - id: loss-flat
    title: The training loss stays flat from the first step
    stage: implement-and-debug
    question: Did the training loss stay flat from the very first steps?
  - id: accuracy-is-majority
    title: Accuracy equals the majority-class share
    stage: evaluate
    question: Is the accuracy about the share of the most frequent class?
"""

CAUSE = """\
id: {id}
title: {title}
group: {group}
category: {category}
stage: implement-and-debug
prior: 0.05
summary: {title}.
mechanism: How {id} breaks training.
evidence:
{evidence}
remedies: [{remedy}]
references:
  - {{title: Full Stack Deep Learning troubleshooting guide, url: "https://fullstackdeeplearning.com"}}
"""

CAUSES = {
    "lr-too-high": ("The learning rate is too high", "hyperparameters", "hyper-parameters",
                    [("loss-explodes", 3.0, -1.5), ("lr-above-best", 3.0, -2.0), ("model-crashes", -1.0, 0.0)]),
    "missing-zero-grad": ("Gradients are never zeroed", "implementation", "implementation-bug",
                          [("grads-accumulate", 4.0, -3.0), ("loss-explodes", 1.0, 0.0)]),
    "frozen-parameters": ("Parameters do not learn", "implementation", "implementation-bug",
                          [("params-without-grad", 4.0, -3.0), ("loss-flat", 2.0, -1.0)]),
    "class-imbalance": ("Classes are imbalanced", "data", "dataset-construction",
                        [("classes-imbalanced", 3.0, -3.0), ("accuracy-is-majority", 2.0, -0.5)]),
    "shape-mismatch": ("Tensor shapes are wrong", "implementation", "implementation-bug",
                       [("model-crashes", 4.0, -4.0)]),
}

REMEDIES = """\
remedies:
{items}
"""


def write_kb(root: Path) -> Path:
    """Write the fixture KB under ``root`` and return its folder."""
    kb = Path(root) / "kb"
    (kb / "causes").mkdir(parents=True, exist_ok=True)
    (kb / "symptoms").mkdir(exist_ok=True)
    (kb / "remedies").mkdir(exist_ok=True)
    (kb / "stages.yaml").write_text(STAGES)
    (kb / "symptoms" / "all.yaml").write_text(SYMPTOMS)
    items = []
    for cid, (title, group, category, evidence) in CAUSES.items():
        ev = "\n".join(f"  - {{symptom: {s}, weight: {w}, if_absent: {a}}}" for s, w, a in evidence)
        (kb / "causes" / f"{cid}.yaml").write_text(CAUSE.format(id=cid, title=title, group=group, category=category,
                                                                 evidence=ev, remedy=f"fix-{cid}"))
        items.append(f"  - id: fix-{cid}\n    title: Fix {title.lower()}\n    steps: [Look at it, Change it, Check again]")
    (kb / "remedies" / "all.yaml").write_text(REMEDIES.format(items="\n".join(items)))
    return kb


def small_kb(root: Path) -> KnowledgeBase:
    return compile_kb([write_kb(root)], builtin=False)


# ---------------------------------------------------------------- a runner with canned results (no torch)

FINDINGS = {
    "runs": {"crashed": False, "failure_kind": "none"},
    "grad-flow": {"frac_no_grad": 0.0},
    "class-balance": {"imbalance_ratio": 1.2},
    "lr-range": {"log10_lr_ratio": 2.3, "configured_lr": 2.0, "best_lr": 0.01},
    "overfit-one-batch": {"peak_ratio": 435.0, "final_ratio": 400.0, "loss_sign": 1.0, "nonfinite": False, "nonfinite_step": None},
    "train-step-audit": {"grad_accumulation_ratio": 1.0},
}

DETAILS = {
    "overfit-one-batch": {"losses": [2.3, 2.9, 8.0, 40.0, 1e3]},
    "lr-range": {"lrs": [1e-4, 1e-3, 1e-2, 1e-1, 1.0], "losses": [2.30, 2.25, 1.60, 2.10, 9.0]},
    "grad-flow": {"layers": [{"name": "0", "grad_norm": 0.1}, {"name": "2", "grad_norm": 1.0}]},
    "class-balance": {"classes": [0, 1, 2], "counts": {"train": [10, 12, 9], "val": [3, 4, 3]}},
}

KEYS = {"model", "train_data", "loss_fn", "train_step"}


def result(pid: str, status: str = "ok", findings: dict | None = None) -> ProbeResult:
    return ProbeResult(pid, status, 0.01, "" if status == "ok" else "it broke",
                       dict(FINDINGS.get(pid, {}) if findings is None else findings), {}, dict(DETAILS.get(pid, {})))


class FakeRunner:
    """The runner API (load / run / close, and cancel) with canned results; ``gate`` holds a run until set."""

    def __init__(self, keys=KEYS, findings: dict | None = None, gate=None):
        import threading

        self.keys, self.findings = set(keys), findings or {}
        self.gate = gate
        self.calls: list[str] = []
        self.cancelled = threading.Event()
        self.closed = False

    def load(self, timeout_s: float = 120.0) -> set[str]:
        return self.keys

    def run(self, probe_id: str, timeout_s: float, on_progress=None) -> dict:
        self.calls.append(probe_id)
        if on_progress:
            on_progress(0.5, "half way")
        if self.gate is not None:
            while not self.gate.wait(0.01):
                if self.cancelled.is_set():
                    self.cancelled.clear()
                    return result(probe_id, "failed", {})
        return result(probe_id, findings=self.findings.get(probe_id))

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        self.closed = True
