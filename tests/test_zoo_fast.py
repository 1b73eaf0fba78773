"""The fast subset of the fault zoo, diagnosed for real (what CI runs on every change).

Each faulty case must name its expected (or an acceptable) cause among the first three reported;
each healthy case must come out healthy.  The full zoo and its accuracy: ``dldoctor bench``.
Set DLDOCTOR_SKIP_ZOO=1 to leave these out of a quick local run.
"""
from __future__ import annotations

import os

import pytest

from dldoctor.expert.commands.bench import DEFAULT_ZOO, load_cases, run_case, select

try:
    from dldoctor.expert import diagnose  # noqa: F401
except ImportError:  # the engine is not in yet
    diagnose = None

pytestmark = [
    pytest.mark.skipif(diagnose is None, reason="expert.diagnose is not available yet"),
    pytest.mark.skipif(os.environ.get("DLDOCTOR_SKIP_ZOO") == "1", reason="DLDOCTOR_SKIP_ZOO=1"),
]

FAST = select(load_cases(DEFAULT_ZOO), [], fast=True)


@pytest.mark.parametrize("case", FAST, ids=lambda c: c.name)
def test_fast_zoo_case(case):
    result = run_case(DEFAULT_ZOO, case, budget=45.0, seed=0, fail_on=0.5)
    assert not result.error, result.error
    shown = [(c["id"], c["score"]) for c in result.causes[:3]] or result.runners_up
    if case.expected == "healthy":
        assert result.verdict == "healthy", f"false alarm: {shown}"
    else:
        assert result.hit_at_3, f"expected {sorted(case.accepted)} in the top 3, got {shown}"
