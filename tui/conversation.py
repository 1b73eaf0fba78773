"""The interactive session's state, without any widget: a Diagnosis plus what only a conversation has.

A person can skip a question (ask me later), undo answers, skips and probe results in the order
they were given, and see where the diagnosis stands in the guide's workflow.  The app is a thin
view over this object, so its logic is tested without a terminal.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dldoctor.expert.compiler import KnowledgeBase
from dldoctor.expert.engine import Action, Belief
from dldoctor.expert.session import Diagnosis
from dldoctor.expert.engine import REPORT_THRESHOLD

REPLIES = ("yes", "no", "unknown")

# The guide's workflow, used when a KB declares no stages of its own.
GUIDE_STAGES = (("start-simple", "Start simple"), ("implement-and-debug", "Implement and debug"),
                ("evaluate", "Evaluate"), ("improve", "Improve"), ("tune", "Tune"))


@dataclass
class Conversation:
    kb: KnowledgeBase
    target: str | None = None
    threshold: float = REPORT_THRESHOLD
    diag: Diagnosis = None  # built from kb and threshold when not given
    skipped: set[str] = field(default_factory=set)  # questions put aside for now
    history: list[str] = field(default_factory=list)  # "diag" or "skip:<symptom>", newest last

    def __post_init__(self):
        if self.diag is None:
            self.diag = Diagnosis(self.kb, threshold=self.threshold)

    # ------------------------------------------------------------ what to do next
    def steps(self, running: str | None = None, loading: bool = False) -> list[Action]:
        """The engine's next steps, best first: probes that may run now and questions not skipped.

        A question whose symptom a pending probe will measure waits for it (the running one too, and
        every probe while the target loads); a question that does not apply to the subject is never asked."""
        waiting = tuple(self.kb.probes) if loading and self.target else ((running,) if running else ())
        out = []
        for a in self.diag.next_steps(questions=True, running=waiting):
            if a.kind == "probe" and a.id == running:
                continue
            if a.kind == "question" and a.id in self.skipped:
                continue
            out.append(a)
        return out

    def beliefs(self) -> list[Belief]:
        return self.diag.beliefs()

    def stages(self) -> list[tuple[str, str]]:
        """(id, title) of the workflow's stages, in order."""
        if self.kb.stages:
            return [(sid, self.kb.stages[sid].title) for sid in self.kb.stage_order()]
        return list(GUIDE_STAGES)

    def stage_of(self, action: Action | None) -> str | None:
        if action is None:
            return None
        if action.kind == "probe":
            return self.kb.probes[action.id].stage
        return self.kb.symptoms[action.id].stage

    def stage_status(self, steps: list[Action]) -> dict[str, str]:
        """Each stage: "open" (a step left there), "done" (✓: every probe of the stage ran; a stage
        without probes: a question of it answered) or "idle"."""
        open_ = {self.stage_of(a) for a in steps}
        probes: dict[str, list[str]] = {}
        for pid, spec in self.kb.probes.items():
            if pid in self.kb.symptoms_by_probe:
                probes.setdefault(spec.stage, []).append(pid)
        ran = {p for p, r in self.diag.records.items() if r.status in ("ok", "failed")}
        answered = {self.kb.symptoms[s].stage for s in self.diag.answers if s in self.kb.symptoms}

        def done(sid: str) -> bool:
            mine = probes.get(sid)
            return all(p in ran or (p in self.diag.records and self.diag.records[p].status == "skipped") for p in mine) and any(
                p in ran for p in mine) if mine else sid in answered

        return {sid: "open" if sid in open_ else "done" if done(sid) else "idle" for sid, _ in self.stages()}

    # ------------------------------------------------------------ evidence in
    def answer(self, sid: str, reply: str) -> None:
        """yes / no / unknown ("don't know": the question is settled, nothing moves) or skip."""
        if reply == "skip":
            self.skipped.add(sid)
            self.history.append(f"skip:{sid}")
            return
        if reply not in REPLIES:
            raise ValueError(f"reply must be one of {REPLIES + ('skip',)}, got {reply!r}")
        self.diag.answer(sid, reply)
        self.skipped.discard(sid)
        self.history.append("diag")

    def add_result(self, result) -> None:
        self.diag.add_probe_result(result)
        self.history.append("diag")

    def undo(self) -> str | None:
        """Take back the last answer, skip or probe result; says what was undone (None: nothing)."""
        if not self.history:
            return None
        last = self.history.pop()
        if last.startswith("skip:"):
            sid = last.removeprefix("skip:")
            self.skipped.discard(sid)
            return f"skip of '{sid}'"
        done = self.diag.undo()
        if done is None:
            return None
        kind, key = done.split(" ", 1)
        return f"answer to '{key}'" if kind == "answer" else f"probe '{key}'"

    # ------------------------------------------------------------ what was given, in order
    def events(self) -> list[dict]:
        """Answers, skips and probe results in the order given (what a saved session replays)."""
        diag_events = []
        for kind, key, _before in self.diag.undo_stack:
            if kind == "answer":
                obs = self.diag.answers.get(key)
                if obs is not None:
                    diag_events.append({"answer": key, "reply": _reply(obs.present)})
            elif key in self.diag.records:
                diag_events.append({"probe": self.diag.records[key].to_json()})
        out, it = [], iter(diag_events)
        for h in self.history:
            if h.startswith("skip:"):
                out.append({"skip": h.removeprefix("skip:")})
            else:
                out.extend([e for e in [next(it, None)] if e is not None])
        out.extend(it)
        return [e for e in out if "skip" not in e or e["skip"] in self.skipped]


def _reply(present: bool | None) -> str:
    return {True: "yes", False: "no"}.get(present, "unknown")
