"""How ``dldoctor bench`` scores a diagnosis against a zoo label (pure functions, no diagnosis run)."""
from __future__ import annotations

import sys

from dldoctor.expert.commands.bench import Case, Result, score, select, totals

T = 0.5  # the report's threshold


def test_a_faulty_case_hits_when_its_cause_is_reported_first():
    case = Case("a.py", "lr-too-high")
    assert score(case, "problems", [("lr-too-high", 0.9), ("missing-zero-grad", 0.6)], T) == (True, True)
    assert score(case, "problems", [("missing-zero-grad", 0.9), ("lr-too-high", 0.6)], T) == (False, True)


def test_a_cause_below_the_threshold_is_not_a_hit():
    case = Case("a.py", "lr-too-high")
    assert score(case, "healthy", [("lr-too-high", 0.4)], T) == (False, False)
    assert score(case, "problems", [("a", 0.9), ("b", 0.8), ("c", 0.7), ("lr-too-high", 0.6)], T) == (False, False)


def test_a_multi_fault_case_accepts_its_other_faults_at_rank_one():
    case = Case("m.py", "missing-zero-grad", ("wrong-train-eval-mode",))
    assert score(case, "problems", [("wrong-train-eval-mode", 0.8), ("missing-zero-grad", 0.7)], T) == (True, True)


def test_a_healthy_case_hits_only_with_a_healthy_verdict():
    case = Case("h.py", "healthy")
    assert score(case, "healthy", [("high-bias", 0.2)], T) == (True, True)
    assert score(case, "problems", [("high-bias", 0.6)], T) == (False, False)


def test_select_takes_globs_substrings_and_the_fast_subset():
    cases = [Case("lr_too_high_sgd.py", "lr-too-high", fast=True), Case("lr_too_low_adam.py", "lr-too-low"),
             Case("missing_zero_grad.py", "missing-zero-grad")]
    assert [c.file for c in select(cases, ["lr_*"], False)] == ["lr_too_high_sgd.py", "lr_too_low_adam.py"]
    assert [c.file for c in select(cases, ["zero_grad"], False)] == ["missing_zero_grad.py"]
    assert [c.file for c in select(cases, [], True)] == ["lr_too_high_sgd.py"]


def test_totals_count_faulty_and_healthy_cases_apart():
    def result(expected, h1, h3, s):
        return Result("c", expected, [], None, [], [], h1, h3, s)

    t = totals([result("lr-too-high", True, True, 4.0), result("dead-relu", False, True, 10.0),
                result("healthy", True, True, 2.0), result("healthy", False, False, 30.0)])
    assert (t["top1"], t["top3"], t["false_alarms"], t["median_s"], t["max_s"]) == (0.5, 1.0, 1, 7.0, 30.0)
    assert t["goals_met"] is False


def test_the_bench_module_does_not_import_torch():
    import subprocess

    code = "import sys, dldoctor.expert.commands.bench; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_each_set_is_scored_against_its_own_goals():
    from dldoctor.expert.commands.bench_sets import GOALS_BY_SET, SETS, chosen

    assert chosen("all") == ["zoo", "tune", "frozen"] and chosen("frozen") == ["frozen"]
    assert all((SETS[name] / "cases.yaml").is_file() for name in chosen("all"))
    nine_of_ten = [Result("c", "lr-too-high", [], None, [], [], i < 9, True, 1.0) for i in range(10)]
    assert totals(nine_of_ten, GOALS_BY_SET["frozen"])["goals_met"] is True  # 90 % >= 85 %
    assert totals(nine_of_ten, GOALS_BY_SET["zoo"])["goals_met"] is False  # 90 % < 95 %


def test_a_set_with_no_matching_case_is_unusable(capsys):
    from dldoctor.expert.commands.bench import main

    assert main(["--set", "frozen", "--cases", "no_such_case_anywhere"]) == 2
    assert "no case matches" in capsys.readouterr().err
