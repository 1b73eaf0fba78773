"""What the KB makes of a probe's findings, for tests that used to read a judgement off the probe."""
from __future__ import annotations

from dldoctor.expert.engine import judge
from dldoctor.expert.knowledge import load_kb

SHAPE_WORDS = ("explodes", "goes-up", "oscillates", "plateaus", "decreasing", "converges")


def observed(probe: str, findings: dict) -> dict:
    return judge(load_kb(), probe, findings)


def holds(probe: str, findings: dict, symptom: str):
    """True / False / None: the KB's judgement of one symptom on these findings."""
    return observed(probe, findings)[symptom].present


def shape(probe: str, findings: dict) -> str | None:
    """The loss curve's shape by the KB's decision list: the one shape symptom present; 'converges' when
    every shape symptom is known absent (the history and the record have no symptom of their own for it);
    None when unknown."""
    seen = observed(probe, findings)
    shapes = {next(w for w in SHAPE_WORDS if sid.endswith(w)): o for sid, o in seen.items() if sid.endswith(SHAPE_WORDS)}
    present = [w for w, o in shapes.items() if o.present]
    assert len(present) <= 1, present
    if present:
        return present[0]
    return "converges" if shapes and all(o.present is False for o in shapes.values()) else None
