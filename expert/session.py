"""One diagnosis in progress: what has been measured and answered, and the loop that drives probes.

``Diagnosis`` holds state and updates it with pure engine functions; the CLI (headless) and the TUI
are thin shells over it.  ``run_headless`` asks the engine for the next step until it has nothing
left that could change the ranking, or the budget is spent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from dldoctor.expert import engine
from dldoctor.expert.compiler import KnowledgeBase
from dldoctor.expert.engine import Observation
from dldoctor.probes.result import ProbeResult
from dldoctor.expert.engine import REPORT_THRESHOLD


@dataclass
class Diagnosis:
    kb: KnowledgeBase
    keys: set[str] = field(default_factory=set)  # subject keys present (empty: no target, questions only)
    threshold: float = REPORT_THRESHOLD
    observations: dict[str, Observation] = field(default_factory=dict)
    records: dict[str, ProbeResult] = field(default_factory=dict)  # probe id -> result, in run order
    answers: dict[str, Observation] = field(default_factory=dict)
    undo_stack: list = field(default_factory=list)
    selected: set[str] | None = None  # probes the user allowed (--probes / --skip-probes); None: all
    facts: dict[str, bool] = field(default_factory=dict)  # what the subject has (batch_norm, gpu, ...): see applies()

    # ------------------------------------------------------------ what may run
    def probe_status(self, pid: str) -> str | None:
        """Why a probe cannot run now (None when it can)."""
        from dldoctor.probes.run import missing_needs

        spec = self.kb.probes[pid]
        if pid in self.records:
            return "already run"
        if self.selected is not None and pid not in self.selected:
            return "not selected (--probes / --skip-probes)"
        if not self.keys:
            return "no target"
        why = missing_needs(spec, _Keys(self.keys))
        if why:
            return why
        for first in spec.after:  # the guide's order, as the probes declare it
            if first not in self.kb.probes:
                continue
            done, gate = self.records.get(first), self.kb.probes[first].gate
            if done is not None and gate is not None and done.findings.get(gate.finding):
                return f"{gate.message} (see probe '{first}')"
            if done is None and self.probe_status(first) is None:
                return f"waits for probe '{first}', which runs first"
        return None

    def available_probes(self) -> list[str]:
        return [pid for pid in self.kb.probes if pid in self.kb.symptoms_by_probe and self.probe_status(pid) is None]

    def known_facts(self) -> dict[str, bool]:
        facts = dict(self.facts)
        if self.keys:
            facts.setdefault("train_step", "train_step" in self.keys)
        return facts

    def applies(self, sid: str) -> bool:
        """Whether a question applies to this subject (its symptom's applies_if; unknown facts keep it)."""
        cond = self.kb.symptoms[sid].applies_if
        return cond is None or cond.holds(self.known_facts())

    def pending_probes(self) -> list[str]:
        """Probes that have not run but still may: their symptoms are measured, not asked."""
        return [pid for pid in self.kb.probes if pid not in self.records and pid in self.kb.symptoms_by_probe
                and (self.probe_status(pid) is None or (self.probe_status(pid) or "").startswith("waits for"))]

    def next_steps(self, questions: bool = False, running: tuple[str, ...] = ()) -> list[engine.Action]:
        """The engine's plan; questions only for what no pending (or running) probe will measure, and only where they apply."""
        later = [pid for pid in self.kb.probes if (self.probe_status(pid) or "").startswith("waits for") or pid in running]
        facts = self.known_facts()
        excluded = {sid for sid, s in self.kb.symptoms.items() if s.applies_if is not None and not s.applies_if.holds(facts)}
        return engine.plan(self.kb, self.observations, [p for p in self.available_probes() if p not in running],
                           questions=questions, threshold=self.threshold, later=later, exclude=excluded)

    def beliefs(self) -> list[engine.Belief]:
        return engine.rank(self.kb, self.observations)

    # ------------------------------------------------------------ evidence in
    def add_probe_result(self, result: ProbeResult) -> None:
        pid = result.id
        before = dict(self.observations)
        self.records[pid] = result
        if result.ok or result.findings:  # a failed probe may carry what it established
            for sid, obs in engine.judge(self.kb, pid, result.findings, result.confidence).items():
                if sid not in self.answers:  # a person's answer outranks a measurement
                    self.observations[sid] = obs
        self.undo_stack.append(("probe", pid, before))

    def answer(self, sid: str, reply, confidence: float = 1.0) -> None:
        before = dict(self.observations)
        obs = engine.answer(sid, reply, confidence)
        self.answers[sid] = obs
        self.observations[sid] = obs
        self.undo_stack.append(("answer", sid, before))

    def undo(self) -> str | None:
        """Take back the last answer or probe result; returns what was undone."""
        if not self.undo_stack:
            return None
        kind, key, before = self.undo_stack.pop()
        self.observations = before
        if kind == "answer":
            self.answers.pop(key, None)
        else:
            self.records.pop(key, None)
        return f"{kind} {key}"

    def skip_unavailable(self) -> None:
        """Record probes that cannot run for a lasting reason (missing subject keys) as skipped."""
        from dldoctor.probes.run import missing_needs

        for pid, spec in self.kb.probes.items():
            if pid in self.records or pid not in self.kb.symptoms_by_probe or not self.keys or spec.external:
                continue  # fed by a file the user names (--record), never by the target
            why = missing_needs(spec, _Keys(self.keys))
            if why:
                self.records[pid] = _skipped(pid, why)


class _Keys:
    def __init__(self, keys):
        self._keys = set(keys)

    def keys(self):
        return self._keys


def _skipped(pid: str, why: str) -> ProbeResult:
    return ProbeResult.skipped(pid, why)


def run_headless(diag: Diagnosis, runner, *, budget_s: float = 120.0, probe_timeout_s: float = 60.0,
                 on_event: Callable[[str, dict], None] | None = None, clock=time.monotonic) -> Diagnosis:
    """Run the probes the engine asks for, best first, within the budget; every probe is recorded."""
    start = clock()
    diag.skip_unavailable()
    emit = on_event or (lambda kind, data: None)
    while True:
        steps = diag.next_steps()
        left = budget_s - (clock() - start)
        affordable = [a for a in steps if a.cost_s <= left]
        if not affordable:
            for a in steps:
                diag.records[a.id] = _skipped(a.id, f"not enough budget left ({max(left, 0):.1f} s of {budget_s:.0f} s)")
            break
        pid = affordable[0].id
        emit("start", {"probe": pid, "elapsed": clock() - start, "budget": budget_s})
        result = runner.run(pid, min(probe_timeout_s, left), lambda f, m, pid=pid: emit("progress", {"probe": pid, "fraction": f, "message": m}))
        diag.add_probe_result(result)
        emit("done", {"probe": pid, "status": result.status, "seconds": result.seconds, "steps": result.steps, "elapsed": clock() - start})
    for pid, spec in diag.kb.probes.items():
        if pid not in diag.records and pid in diag.kb.symptoms_by_probe and not spec.external:
            diag.records[pid] = _skipped(pid, diag.probe_status(pid) or "not needed: no outcome could change the ranking")
    return diag
