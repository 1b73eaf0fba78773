"""The parts of `dldoctor tune` in this process: the search space, setting values through param_groups,
the stages of the sampler, the fine box, a search on a live subject, the paste line, the renderers."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import torch

from dldoctor.expert.render import tune as render
from dldoctor.expert.target import load
from dldoctor.probes.context import ProbeContext
from dldoctor.probes.tuning import paste, space, trial
from dldoctor.probes.tuning.sampler import StagedSampler, fine_sample, stages
from dldoctor.probes.tuning.study import run

TARGETS = Path(__file__).parent / "tune_targets"


def _opt(cls, **kw):
    return cls(torch.nn.Linear(2, 2).parameters(), **kw)


def test_sgd_exposes_lr_first_then_decay_and_momentum():
    names = [p.name for p in space.optimizer_params(_opt(torch.optim.SGD, lr=5.0, momentum=0.9, weight_decay=0.05))]
    assert names == ["lr", "weight_decay", "momentum"]
    lr = space.optimizer_params(_opt(torch.optim.SGD, lr=5.0))[0]
    assert lr.log and lr.low < 0.01 < 1.0 < lr.high and lr.given == 5.0


def test_adam_exposes_beta1_and_adamw_gets_decoupled_decay_range():
    adam = {p.name: p for p in space.optimizer_params(_opt(torch.optim.Adam, lr=1e-3))}
    assert set(adam) == {"lr", "weight_decay", "betas"} and adam["betas"].key == "beta1"
    adamw = {p.name: p for p in space.optimizer_params(_opt(torch.optim.AdamW, lr=1e-3))}
    assert adamw["weight_decay"].high > adam["weight_decay"].high
    assert adam["lr"].high < space.optimizer_params(_opt(torch.optim.SGD, lr=0.1))[0].high


def test_batch_size_only_for_a_plain_dataloader():
    ds = torch.utils.data.TensorDataset(torch.zeros(100, 2), torch.zeros(100))
    p = space.batch_param(torch.utils.data.DataLoader(ds, batch_size=16, shuffle=True))
    assert p.choices == [4, 8, 16, 32, 64] and p.given == 16
    weighted = torch.utils.data.DataLoader(ds, batch_size=16, sampler=torch.utils.data.WeightedRandomSampler([1.0] * 100, 100))
    assert space.batch_param(weighted) is None
    assert space.batch_param([(torch.zeros(4, 2), torch.zeros(4))]) is None


@pytest.mark.parametrize("spec, kind", [((1e-3, 1e-1), "float"), ((1, 8), "int"), ([16, 32], "categorical"),
                                        ({"low": 1e-4, "high": 1.0, "log": True}, "float"), ({"choices": ["a", "b"]}, "categorical")])
def test_declared_specs(spec, kind):
    params, build = space.declared({"x": spec, "build": lambda p: None})
    assert params[0].kind == kind and params[0].source == "declared" and callable(build)
    params[0].distribution()  # a valid Optuna distribution


@pytest.mark.parametrize("bad, words", [({"x": (2, 1), "build": len}, "low < high"), ({"x": (1, 2)}, "build"),
                                        ({"x": {"low": 0, "high": 1, "log": True}, "build": len}, "log"),
                                        ({"x": "wide", "build": len}, "spec"), ([1, 2], "dict")])
def test_bad_declared_space_names_the_key(bad, words):
    with pytest.raises(space.SpaceError, match=words):
        space.declared(bad)


def test_params_filter_rejects_a_name_not_in_the_space():
    s = load(str(TARGETS / "sgd_too_hot.py"))
    with pytest.raises(space.SpaceError, match="--params betas"):
        space.discover(s, s.optimizer, ["lr", "betas"])
    assert [p.name for p in space.discover(s, s.optimizer, ["momentum", "lr"])[0]] == ["lr", "momentum"]


def test_values_go_through_param_groups_and_other_groups_keep_their_ratio():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    opt = torch.optim.SGD([{"params": model[0].parameters(), "weight_decay": 0.1},
                           {"params": model[1].parameters(), "lr": 0.5, "weight_decay": 0.0}], lr=1.0, momentum=0.9)
    twin = trial.copy_model(model)
    fresh = trial.fresh_optimizer(type("S", (), {"optimizer": opt})(), twin, model)
    assert [g["params"][0] is q for g, q in zip(fresh.param_groups, [twin[0].weight, twin[1].weight])] == [True, True]
    trial.apply(fresh, {"lr": 0.1, "weight_decay": 1e-3, "momentum": 0.5})
    g0, g1 = fresh.param_groups
    assert (g0["lr"], g1["lr"]) == pytest.approx((0.1, 0.05))
    assert (g0["weight_decay"], g1["weight_decay"]) == (1e-3, 0.0)  # the group without decay keeps none
    assert g1["momentum"] == 0.5
    assert opt.param_groups[0]["lr"] == 1.0  # the subject's own optimizer is untouched


def test_stages_split_the_trials_coarse_fine_bayesian():
    assert stages(20) == (8, 6)
    assert stages(3) == (3, 0)
    sampler = StagedSampler({}, 20, 0, 0)
    assert [sampler.stage(n) for n in (0, 7, 8, 13, 14, 19)] == ["coarse", "coarse", "fine", "fine", "bayesian", "bayesian"]


def test_fine_stage_stays_in_the_box_around_the_best():
    dist = {"lr": optuna.distributions.FloatDistribution(1e-4, 10.0, log=True)}
    study = optuna.create_study()
    for lr, value in ((1e-4, 0.9), (3e-3, 0.2), (0.1, 0.05), (0.2, 0.04), (5.0, 0.9)):
        study.add_trial(optuna.trial.create_trial(params={"lr": lr}, distributions=dist, value=value))
    width = math.log(10.0 / 1e-4)
    lo, hi = math.log(0.1) - width / 16, math.log(0.2) + width / 16
    for number in range(20):
        lr = fine_sample(study, number, dist, seed=0)["lr"]
        assert lo - 1e-9 <= math.log(lr) <= hi + 1e-9
    assert fine_sample(optuna.create_study(), 0, dist, 0) is None  # nothing finished: no box


def test_paste_line_holds_the_tuned_values_and_the_other_non_defaults():
    opt = _opt(torch.optim.SGD, lr=5.0, momentum=0.9, weight_decay=0.05, nesterov=True)
    line = paste.lines(None, opt, {"lr": 0.3, "momentum": 0.9, "weight_decay": 1e-05})[0]
    assert line == "torch.optim.SGD(params, lr=0.3, weight_decay=1e-05, momentum=0.9, nesterov=True)"
    adam = paste.lines(None, _opt(torch.optim.Adam), {"lr": 0.002, "betas": [0.8, 0.999], "batch_size": 64})
    assert adam == ["torch.optim.Adam(params, lr=0.002, betas=(0.8, 0.999))", "DataLoader(dataset, batch_size=64, ...)"]


def test_a_search_on_a_live_subject_leaves_it_as_it_was():
    s = load(str(TARGETS / "sgd_too_hot.py"))
    weights = {k: v.clone() for k, v in s.model.state_dict().items()}
    rng = torch.get_rng_state()
    out = run(s, ProbeContext(), {"trials": 6, "steps": 40, "seed": 0, "as_given": True})
    assert out["metric"] == "val_error" and out["validation"] == "val_data"
    assert [t["number"] for t in out["trials"]] == list(range(6))
    assert out["as_given"]["params"] == {"lr": 5.0, "weight_decay": 0.05, "momentum": 0.9}
    assert any("batch_size is not searched unless named" in n for n in out["notes"])
    # the best three finished trials were trained again with two more seeds; the best is the lowest mean
    confirmed = [t for t in out["trials"] if "confirmed" in t]
    finished = sorted((t for t in out["trials"] if t["state"] == "complete"), key=lambda t: t["val_error"])
    assert {t["number"] for t in confirmed} == {t["number"] for t in finished[:3]}
    means = {t["number"]: sum([t["val_error"], *t["confirmed"]]) / 3 for t in confirmed}
    assert out["best"]["trial"] == min(means, key=means.get)
    assert out["best"]["val_error"] == pytest.approx(means[out["best"]["trial"]]) and out["best"]["seeds"] == [0, 1, 2]
    assert len(out["as_given"]["values"]) == 3  # the settings as given are measured the same way
    extra = 2 * 3 * 40  # two more seeds for each of three trials of 40 steps
    assert out["steps_spent"] == sum(t["steps"] for t in out["trials"]) + out["as_given"]["steps"] + extra
    assert all(torch.equal(v, s.model.state_dict()[k]) for k, v in weights.items())
    assert s.optimizer.param_groups[0]["lr"] == 5.0 and not s.optimizer.state
    assert torch.equal(rng, torch.get_rng_state())


def test_batch_size_is_searched_when_named_and_each_trial_uses_it():
    s = load(str(TARGETS / "sgd_too_hot.py") + ":no_val")
    out = run(s, ProbeContext(), {"trials": 5, "steps": 20, "seed": 0, "params": ["lr", "batch_size"]})
    assert [p["name"] for p in out["space"]] == ["lr", "batch_size"]
    assert {t["params"]["batch_size"] for t in out["trials"]} <= {8, 16, 32, 64, 128}
    assert "rows" in out["validation"] and "no val_data" in out["validation"]  # a held-out fifth of the Dataset
    assert not any("batch_size is not searched" in n for n in out["notes"])
    assert s.train_data.batch_size == 32


def test_regression_without_val_data_holds_out_batches_and_reports_val_loss():
    s = load(str(TARGETS / "regression.py"))
    out = run(s, ProbeContext(), {"trials": 4, "steps": 30, "seed": 0, "as_given": True})
    assert out["metric"] == "val_loss" and "held-out" in out["validation"]
    assert "val_loss" in out["best"] and "val_error" not in out["best"]
    wd = next(p for p in out["space"] if p["name"] == "weight_decay")
    assert wd["high"] == space.WD_DECOUPLED[1]  # AdamW


def test_declared_space_reaches_build_and_the_paste():
    s = load(str(TARGETS / "declared.py"))
    out = run(s, ProbeContext(), {"trials": 4, "steps": 30, "seed": 0, "params": ["lr", "hidden"]})
    assert {t["params"]["hidden"] for t in out["trials"]} <= {4, 32}
    assert out["paste"][-1].startswith("build({'hidden': ")
    bad = load(str(TARGETS / "declared.py") + ":bad")
    assert "'search_space' key 'hidden'" in run(bad, ProbeContext(), {"trials": 2, "steps": 5})["error"]


def test_train_step_that_ignores_its_model_is_refused():
    s = load(str(TARGETS / "sgd_too_hot.py"))
    own = s.model

    def closure_step(model, batch, optimizer, loss_fn):
        x, y = batch
        optimizer.zero_grad()
        loss = loss_fn(own(x), y)  # trains the model it closes over, not the copy it is given
        loss.backward()
        return loss

    s.train_step = closure_step
    assert "train_step did not change the model" in run(s, ProbeContext(), {"trials": 2, "steps": 5})["error"]


def test_json_is_strict_and_markdown_and_text_show_best_beside_given():
    summary = {"metric": "val_loss", "validation": "val_data", "study": "s", "steps": 10, "seed": 0, "steps_spent": 20,
               "space": [{"name": "lr"}], "best": {"params": {"lr": 0.01}, "val_loss": 0.5, "trial": 1},
               "as_given": {"params": {"lr": 10.0}, "val_loss": math.inf, "diverged": True},
               "trials": [{"number": 0, "stage": "coarse", "state": "complete", "params": {"lr": 10.0}, "val_loss": math.nan,
                           "steps": 3, "diverged": True},
                          {"number": 1, "stage": "coarse", "state": "complete", "params": {"lr": 0.01}, "val_loss": 0.5, "steps": 10}],
               "paste": ["torch.optim.SGD(params, lr=0.01)"], "notes": [], "target": "t.py"}
    doc = json.loads(render.to_json(summary), parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert doc["as_given"]["val_loss"] is None and doc["trials"][0]["val_loss"] is None
    md = render.markdown(summary)
    assert "| lr | 10 | 0.01 |" in md and "torch.optim.SGD(params, lr=0.01)" in md
    text = render.text(summary)
    assert "best val_loss 0.5" in text and "torch.optim.SGD(params, lr=0.01)" in text and "diverged" in text


def test_the_parent_side_imports_without_torch():
    code = ("import sys; import dldoctor.expert.tune, dldoctor.expert.commands.tune, dldoctor.expert.render.tune; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
