"""The ecosystem's own shapes: dict batches, extra batch elements, model outputs with their own loss,
LightningModule and transformers.Trainer subjects, token data in the data probes, statuses a reader can
trust.  The targets are in tests/ecosystem_models.py (tiny models from configs, synthetic token ids).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import ecosystem_models as eco
from dldoctor.expert.cli import main
from dldoctor.expert.target import TargetError, load, to_subject
from dldoctor.probes.batch import BatchError, Keys, Pair, split
from dldoctor.probes.context import ProbeContext
from dldoctor.probes.model_output import ModelLoss, logits, loss_of
from dldoctor.probes.run import run_probe

HERE = Path(__file__).parent
TARGETS = "tests/ecosystem_models.py"
DATA_PROBES = ("input-stats", "class-balance", "batch-composition", "leakage", "label-alignment", "shift")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(HERE.parent)


def ctx():
    return ProbeContext(seed=0, patterns=[])


def diagnose_json(target: str, tmp_path, *extra) -> dict:
    out = tmp_path / "report.json"
    # the budget is a safety net: a loaded machine must not cut probes short
    code = main(["diagnose", f"{TARGETS}:{target}", "--format", "json", "--output", str(out), "--budget", "600", *extra])
    report = json.loads(out.read_text())
    assert code == (1 if report["verdict"] == "problems" else 0)
    return report


# ---------------------------------------------------------------- batches and outputs

def test_a_dict_batch_splits_into_inputs_and_labels_and_rebuilds_unchanged():
    batch = {"input_ids": torch.ones(4, 3), "attention_mask": torch.ones(4, 3), "labels": torch.zeros(4)}
    pair = split(batch)
    x, y = pair
    assert set(x) == {"input_ids", "attention_mask"} and y is batch["labels"]
    assert pair.rebuild().keys() == batch.keys()
    named = split(batch, Keys("labels", ("input_ids",)))
    assert set(named.inputs) == {"input_ids"} and set(named.extras) == {"attention_mask"}
    assert set(named.rebuild()) == set(batch)


def test_extra_batch_elements_are_kept_and_cut_together():
    x, y, w = torch.randn(10, 2), torch.arange(10), torch.rand(10)
    pair = split((x, y, w))
    assert len(pair) == 2 and pair.extras == (w,)
    rebuilt = pair.rebuild()
    assert len(rebuilt) == 3 and rebuilt[2] is w
    head = pair.head(4)
    assert [len(t) for t in head.rebuild()] == [4, 4, 4]
    assert isinstance(split([x, y]).rebuild(), list)


def test_a_dict_batch_without_its_target_key_names_the_key():
    with pytest.raises(BatchError, match="no target key 'labels'"):
        split({"x": torch.ones(2), "label": torch.ones(2)})
    assert split({"x": torch.ones(2), "label": torch.ones(2)}, Keys("label")).targets.shape == (2,)


def test_model_outputs_give_their_logits_and_loss():
    from transformers.modeling_outputs import SequenceClassifierOutput

    t, l = torch.randn(3, 2), torch.tensor(0.5)
    assert logits(SequenceClassifierOutput(loss=l, logits=t)) is t and loss_of(SequenceClassifierOutput(loss=l, logits=t)) is l
    assert logits({"logits": t, "loss": l}) is t and loss_of({"logits": t}) is None
    assert logits((t, torch.randn(3, 8))) is t and logits(t) is t
    own = ModelLoss(num_labels=2)
    assert own(SequenceClassifierOutput(loss=l, logits=t), None) is l
    y = torch.tensor([0, 1, 1])
    assert torch.isclose(own(t, y), torch.nn.functional.cross_entropy(t, y))  # a plain tensor: the model's rule


# ---------------------------------------------------------------- loading

def test_hf_dict_batches_load_without_a_loss_fn():
    subject = load(f"{TARGETS}:hf_healthy")
    assert isinstance(subject.loss_fn, ModelLoss) and "loss_fn" in subject.keys()


def test_a_model_without_its_own_loss_still_needs_a_loss_fn():
    subject = eco.tensor_shuffled_labels()
    del subject["loss_fn"]
    with pytest.raises(TargetError, match="required key 'loss_fn' is missing .*carries no loss"):
        to_subject(subject, "t")


def test_a_dict_batch_with_another_target_key_loads():
    import sys  # tests/hostile/dict_batches.py: under the default key it fails (tests/test_target_loading.py)

    sys.path.insert(0, str(HERE / "hostile"))
    try:
        import dict_batches

        s = dict_batches.subject()
    finally:
        sys.path.pop(0)
    s["target_key"] = "label"
    s["forward"] = lambda model, inputs: model(inputs["pixels"])
    loaded = to_subject(s, "t")
    result = run_probe("runs", loaded, ctx())
    assert result.status == "ok" and result.findings["crashed"] is False


@pytest.mark.parametrize("bad, message", [({"target_key": 3}, "'target_key' must be a string"),
                                          ({"input_keys": "input_ids"}, "'input_keys' must be a list of strings"),
                                          ({"input_keys": ["nope"]}, "without the input key 'nope'")])
def test_bad_keys_are_named(bad, message):
    with pytest.raises(TargetError, match=message):
        to_subject({**eco.hf_healthy(), **bad}, "t")


def test_extras_reach_the_users_train_step():
    subject = to_subject(eco.weighted(), "t")
    for pid in ("runs", "overfit-one-batch", "memory", "numerics"):
        result = run_probe(pid, subject, ctx())
        assert result.status == "ok", (pid, result.message)
    assert run_probe("overfit-one-batch", subject, ctx()).findings["final_ratio"] < 0.5


# ---------------------------------------------------------------- data probes on tokens

def test_the_data_probes_measure_token_batches():
    subject = to_subject(eco.hf_healthy(), "t")
    c = ctx()
    results = {pid: run_probe(pid, subject, c) for pid in DATA_PROBES}
    assert all(r.status == "ok" for r in results.values()), {p: r.message for p, r in results.items()}
    stats = results["input-stats"]
    assert stats.findings["input_dtype"] == "int" and stats.findings["raw_max_abs"] is None  # ids: no scale judgement
    assert 0 < stats.details["padding_share"] < 1
    assert results["label-alignment"].findings["heldout_score_true"] > 0.9  # "token 7 appears" is learnable
    assert results["leakage"].findings["exact_dup_frac"] == 0.0
    assert results["batch-composition"].findings["shuffled"] is True


def test_leakage_finds_copied_token_rows():
    train, val = eco.loaders()
    copied = torch.utils.data.DataLoader(torch.utils.data.Subset(train.dataset, range(64)), batch_size=16)
    subject = to_subject({**eco.hf_healthy(), "val_data": copied}, "t")
    assert run_probe("leakage", subject, ctx()).findings["exact_dup_frac"] == 1.0


def test_a_probe_that_measures_nothing_is_not_ok():
    subject = to_subject({**eco.tensor_shuffled_labels(), "task": "regression"}, "t")
    result = run_probe("class-balance", subject, ctx())
    assert result.status == "not-measured" and "not a classification task" in result.message


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_reports_show_why_a_probe_measured_nothing(fmt, capsys):
    code = main(["diagnose", f"{TARGETS}:declared_regression", "--format", fmt, "--probes", "runs,class-balance", "--budget", "60"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    row = next(line for line in out.splitlines() if "class-balance" in line and "not measured" in line)
    assert "not a classification task" in row


# ---------------------------------------------------------------- done when

def test_a_tiny_bert_with_dict_batches_and_no_loss_fn_is_healthy(tmp_path):
    report = diagnose_json("hf_healthy", tmp_path)
    assert report["verdict"] == "healthy", [(c["id"], c["score"]) for c in report["causes"][:3]]
    status = {p["id"]: p["status"] for p in report["probes"]}
    assert all(status[p] == "ok" for p in DATA_PROBES), status


def test_a_label_bug_in_a_tiny_bert_is_found_as_on_a_tensor_model(tmp_path):
    bert = diagnose_json("hf_shuffled_labels", tmp_path)
    tensor = diagnose_json("tensor_shuffled_labels", tmp_path)
    assert bert["causes"][0]["id"] == tensor["causes"][0]["id"] == "labels-misaligned"
    assert abs(bert["causes"][0]["score"] - tensor["causes"][0]["score"]) < 0.05


def test_a_lightning_module_with_a_far_too_high_lr_is_diagnosed_lr_too_high(tmp_path):
    report = diagnose_json("lightning_lr_too_high", tmp_path)
    assert report["causes"][0]["id"] == "lr-too-high"


# ---------------------------------------------------------------- Lightning

def test_a_lightning_module_is_used_as_it_is():
    subject = load(f"{TARGETS}:lightning_healthy")
    assert subject.val_data is not None and subject.train_step is not None
    opt = subject.optimizer(subject.model.parameters())
    assert isinstance(opt, torch.optim.SGD) and opt._dldoctor_schedules.entries  # configure_optimizers' scheduler
    before = [p.detach().clone() for p in subject.model.parameters()]
    result = run_probe("overfit-one-batch", subject, ctx())
    assert result.status == "ok" and result.findings["final_ratio"] < 0.5
    assert all(torch.equal(a, b) for a, b in zip(before, subject.model.parameters()))  # left as it was


def test_a_target_may_name_the_lightning_module_class():
    subject = load("tests/ecosystem_lightning.py:Classifier")
    assert type(subject.model).__name__ == "Classifier" and run_probe("runs", subject, ctx()).status == "ok"


def test_manual_optimization_is_refused_with_the_reason():
    with pytest.raises(TargetError, match="manual optimization"):
        load("tests/ecosystem_lightning.py:manual")


def test_a_lightning_module_with_a_datamodule():
    subject = load(f"{TARGETS}:lightning_with_datamodule")
    assert subject.train_data.batch_size == 16 and run_probe("runs", subject, ctx()).status == "ok"


def test_a_lightning_step_with_a_schedule_follows_it():
    subject = load(f"{TARGETS}:lightning_healthy")
    from dldoctor.probes import training

    opt = training.make_optimizer(subject)
    batch = training.first_batch(subject)
    for _ in range(50):
        training.step(subject, batch, opt)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05 * 0.5)  # StepLR(50, gamma=0.5), stepped per step


# ---------------------------------------------------------------- transformers.Trainer

def test_a_trainer_is_used_as_it_is(tmp_path):
    trainer = eco.hf_trainer(lr=2e-3, output_dir=str(tmp_path))
    from dldoctor.probes.frameworks import as_subject

    subject = to_subject(as_subject(trainer), "t")
    opt = subject.optimizer(subject.model.parameters())
    assert type(opt).__name__ == "AdamW" and opt.param_groups[0]["weight_decay"] == 0.01
    assert {g["weight_decay"] for g in opt.param_groups} == {0.01, 0.0}  # no decay on biases and LayerNorm
    assert subject.target_key == "labels" and isinstance(subject.loss_fn, ModelLoss)
    result = run_probe("overfit-one-batch", subject, ctx())
    assert result.status == "ok" and result.findings["final_ratio"] < 0.5, result
    assert run_probe("label-alignment", subject, ctx()).findings["heldout_score_true"] > 0.9


def test_a_trainer_run_already_made_gives_its_history(tmp_path):
    (tmp_path / "trainer_state.json").write_text(json.dumps({"log_history": [
        {"loss": 0.7, "step": 5, "epoch": 0.3}, {"eval_loss": 0.69, "step": 16, "epoch": 1.0},
        {"loss": 0.4, "step": 20, "epoch": 1.3}, {"train_runtime": 3.0, "train_loss": 0.55, "step": 32}]}))
    from dldoctor.probes.frameworks import as_subject

    subject = as_subject(eco.hf_trainer(output_dir=str(tmp_path)))
    assert subject["history"] == str(tmp_path / "trainer_state.json")


def test_the_trainer_callback_records_a_run(tmp_path):
    from dldoctor.probes.hf_watch import DldoctorCallback
    from dldoctor.probes.record import measure_file

    trainer = eco.hf_trainer(output_dir=str(tmp_path))
    trainer.args.max_steps, trainer.args.eval_strategy, trainer.args.eval_steps = 12, "steps", 6
    cb = DldoctorCallback(record=tmp_path / "run.jsonl", every=2, on_warning="off")
    trainer.add_callback(cb)
    trainer.train()
    m = measure_file(tmp_path / "run.jsonl")
    assert m.findings["steps"] == 12 and m.details["evals"] and "val_loss" in m.details["evals"][0]
    assert m.findings["update_ratio_median"] > 0 and m.findings["data_wait_frac"] is not None
    rows = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert any(r.get("grad_norm") for r in rows)  # gradients read before the Trainer zeroes them
    assert cb.watch is None and len(trainer.model._forward_hooks) == 0
