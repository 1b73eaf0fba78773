"""False-alarm discipline (issue 14): on the healthy set no cause may reach 0.5.

The healthy set is (1) the built-in healthy observation sets of kb/healthy.yaml, run through the engine, (2) every
healthy case of the fault zoo and (3) every healthy control of the report corpus' frozen/ half, each diagnosed for
real. The zoo's fast healthy cases are already diagnosed by test_zoo_fast.py and are not run twice. These tests run
in CI (marked ``healthy_set``, one case at a time); DLDOCTOR_SKIP_ZOO=1 leaves the diagnosed ones out of a quick
local run, as for the zoo.
"""
from __future__ import annotations

import os

import pytest

from dldoctor.expert.commands.bench import HEALTHY, load_cases, run_case
from dldoctor.expert.commands.bench_sets import SETS

THRESHOLD = 0.5


def _observation_sets():
    from dldoctor.expert.compiler import compile_kb

    kb = compile_kb()
    return kb, [pytest.param(h, id=h.name) for h in kb.healthy]


KB, OBSERVED = _observation_sets()


@pytest.mark.healthy_set
@pytest.mark.parametrize("case", OBSERVED)
def test_builtin_healthy_observations_raise_no_cause(case):
    from dldoctor.expert.engine import Observation, rank

    present = {"yes": True, "no": False, "unknown": None}
    observed = {s: Observation(s, present[v], 1.0, None, "healthy set") for s, v in case.observations.items()}
    high = [(b.cause, round(b.score, 2)) for b in rank(KB, observed) if b.score >= THRESHOLD]
    assert not high, high


def _targets():
    out = []
    for name in ("zoo", "frozen"):
        for case in load_cases(SETS[name]):
            if case.expected == HEALTHY and not (name == "zoo" and case.fast):
                out.append(pytest.param(SETS[name], case, id=f"{name}:{case.name}"))
    return out


@pytest.mark.healthy_set
@pytest.mark.skipif(os.environ.get("DLDOCTOR_SKIP_ZOO") == "1", reason="DLDOCTOR_SKIP_ZOO=1")
@pytest.mark.parametrize("folder, case", _targets())
def test_healthy_target_raises_no_cause(folder, case):
    result = run_case(folder, case, budget=45.0, seed=0, fail_on=THRESHOLD)
    if result.error and "'loss_fn' is missing" in result.error:
        pytest.xfail("a subject whose model returns its own .loss (dict batches) needs the Hugging Face support")
    assert not result.error, result.error
    assert not result.causes, f"false alarm: {[(c['id'], c['score']) for c in result.causes]}"
    assert result.verdict == HEALTHY


def test_the_healthy_set_is_the_one_the_issue_names():
    targets = _targets()
    assert len(OBSERVED) >= 5
    assert sum(p.values[0] == SETS["frozen"] for p in targets) >= 5
    assert sum(p.values[0] == SETS["zoo"] for p in targets) >= 5
