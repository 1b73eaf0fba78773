"""The watch's early warnings, judged by the same engine and KB as ``dldoctor diagnose --record``.

The compiled KB is loaded once.  A check turns the record so far into findings
(``probes.record.summarize(..., live=True)``), judges them with the KB's ``record`` symptoms and
ranks the causes (``expert.engine``).  It warns, each at most once, when a record symptom becomes
present (an exploding or rising loss, a plateau at chance, vanishing updates, a NaN, gradients not
reset, ...) and when a cause crosses the report threshold; the message names the engine's top cause.
The engine is imported lazily: ``expert/`` stays torch-free and the probes never import it at load.
"""
from __future__ import annotations

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
