"""The watch's early warnings, judged by the same engine and KB as ``dldoctor diagnose --record``.

The compiled KB is loaded once.  A check turns the record so far into findings
(``probes.record.summarize(..., live=True)``), judges them with the KB's ``record`` symptoms and
ranks the causes (``expert.engine``).  It warns, each at most once, when a record symptom becomes
present (an exploding or rising loss, a plateau at chance, vanishing updates, a NaN, gradients not
reset, ...) and when a cause crosses the report threshold; the message names the engine's top cause.
The engine is imported lazily: ``expert/`` stays torch-free and the probes never import it at load.

``Checks`` decides when: on record steps from step ``warmup``, within ``share`` of the run's wall
time, spent before it is used (a check runs once the share of the time so far covers the previous
check's cost too, the first check's the KB's load), and at once for a non-finite value.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

THRESHOLD = 0.5  # a cause at this belief is reported, as in `dldoctor diagnose`


@dataclass(frozen=True)
class Warning_:
    message: str
    symptom: str | None
    cause: str | None


class EarlyWarning:
    def __init__(self, kb=None, threshold: float = THRESHOLD):
        from dldoctor.expert import engine

        if kb is None:
            from dldoctor.expert.knowledge import load_kb

            kb = load_kb()
        self.kb, self._engine, self.threshold = kb, engine, threshold
        self._symptoms = list(kb.symptoms_by_probe.get("record", ()))
        self._warned: set[str] = set()
        self._crossed: set[str] = set()

    @property
    def done(self) -> bool:
        return not self._symptoms or len(self._warned) == len(self._symptoms)

    def check(self, k: int, measurement) -> list[Warning_]:
        """The new warnings at step ``k`` for the record-so-far ``measurement`` (a probes.spec.Measurement)."""
        obs = self._engine.judge(self.kb, "record", measurement.findings, measurement.confidence)
        new = [s for s in self._symptoms if obs[s].present and s not in self._warned]
        ranked = self._engine.rank(self.kb, obs)
        top = ranked[0] if ranked and ranked[0].score >= self.threshold else None
        crossed = [b for b in ranked if b.score >= self.threshold and b.cause not in self._crossed]
        if not new and not crossed:
            return []
        self._warned.update(new)
        self._crossed.update(b.cause for b in crossed)
        likely = f" (likely: {top.cause}, belief {top.score:.2f})" if top else ""
        out = []
        for sid in new:
            o = obs[sid]
            what = f" ({o.finding} = {_show(o.observed)})" if o.finding else ""
            out.append(Warning_(f"dldoctor watch: step {k}: {self.kb.symptoms[sid].title}{what}{likely}", sid, top.cause if top else None))
        if not new:  # a cause crossed the threshold on evidence already announced (its confidence grew)
            b = crossed[0]
            out.append(Warning_(f"dldoctor watch: step {k}: {self.kb.causes[b.cause].title} (likely: {b.cause}, belief {b.score:.2f})",
                                None, b.cause))
        return out


def _show(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


class DoomedRun(RuntimeError):
    """Raised by ``w.step`` under ``on_warning="raise"`` when a KB symptom turns present."""

    def __init__(self, message: str, symptom: str, cause: str | None, step: int):
        super().__init__(message)
        self.symptom, self.cause, self.step = symptom, cause, step


class Checks:
    """The watch's early-warning checks: ``on_warning`` "print" (to ``stream``), "raise" or "off".

    The KB is loaded by the first check that is due, not when the watch starts: in a fresh process
    that load imports the engine (pydantic) and reads the compiled KB, 0.1-0.2 s on a 2-core machine,
    which a short run would pay at its start.  Until it is measured, the first check's cost is taken
    to be ``LOAD_S`` (engine not imported yet) or ``READ_S`` (engine imported, the KB read from its
    cache), so that the share covers it before it runs; a KB handed over as ``kb`` costs nothing to load.
    """

    def __init__(self, on_warning: str, warmup: int, share: float, kb, stream, warnings: list):
        self.on_warning, self.warmup, self.share, self.stream, self.warnings = on_warning, warmup, share, stream, warnings
        self.spent = 0.0
        self._kb, self._early, self._loaded = kb, None, on_warning == "off"
        self._last = 0.0 if self._loaded else _load_estimate(kb)

    def _load(self):
        from dldoctor.expert.problems import KBError

        try:
            return EarlyWarning(self._kb)
        except (KBError, ValueError, OSError, ImportError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"dldoctor watch: early warnings are off (the knowledge base did not load: {first})", file=self.stream or sys.stderr)
            return None

    def run(self, k: int, elapsed: float, findings, urgent: bool = False) -> float:
        """Judge ``findings()`` (the record so far) at step ``k`` when the share allows; the seconds it took."""
        if self._loaded and (self._early is None or self._early.done):
            return 0.0
        if not urgent and (k < self.warmup or self.spent + self._last > self.share * elapsed):
            return 0.0
        t = time.perf_counter()
        if not self._loaded:
            self._loaded, self._early = True, self._load()
        found = self._early.check(k, findings()) if self._early is not None else []
        spent = self._last = time.perf_counter() - t
        self.spent += spent
        for w in found:
            self.warnings.append(w.message)
            if self.on_warning == "raise":
                raise DoomedRun(w.message, w.symptom, w.cause, k)
            print(w.message, file=self.stream or sys.stderr)
        return spent


LOAD_S = 0.2  # the first check's cost in a process that has not imported the engine: pydantic's import dominates
READ_S = 0.02  # ... once it has: the compiled KB read from its cache and checked (~15 ms measured)


def _load_estimate(kb) -> float:
    if "dldoctor.expert.engine" not in sys.modules:
        return LOAD_S
    return 0.0 if kb is not None else READ_S
