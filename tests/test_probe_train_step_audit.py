"""train-step-audit: missing zero_grad, eval mode left on, no optimizer step, frozen step, rising loss."""
import pytest

from judged import holds
import torch

from zoo.context import ctx
from zoo.faults import missing_zero_grad
from zoo.models import mlp
from zoo.steps import textbook_step
from zoo.subjects import cnn_subject, digits_subject, regression_subject
from dldoctor.probes.run import run_probe


def audit(subject):
    out = run_probe("train-step-audit", subject, ctx())
    assert out.status == "ok", out.message
    return out.findings


def ends_in_eval(model, batch, optimizer, loss_fn):
    textbook_step(model, batch, optimizer, loss_fn)
    model.eval()  # e.g. to compute a metric; train() is never called again
    with torch.no_grad():
        return loss_fn(model(batch[0]), batch[1])


def never_steps(model, batch, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model(batch[0]), batch[1])
    loss.backward()
    return loss.item()


def frozen_step(model, batch, optimizer, loss_fn):
    optimizer.zero_grad()
    with torch.no_grad():  # copied from an evaluation loop
        out = model(batch[0])
    loss = loss_fn(out, batch[1]).requires_grad_()  # the usual "fix" for "does not require grad"
    loss.backward()
    optimizer.step()
    return loss.item()


def ascent_step(model, batch, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model(batch[0]), batch[1])
    (-loss).backward()
    optimizer.step()
    return loss.item()


HEALTHY = [
    lambda: digits_subject(mlp(dropout=0.3), train_step=textbook_step),
    lambda: cnn_subject(train_step=textbook_step),
    lambda: regression_subject(train_step=textbook_step),
    lambda: digits_subject(mlp(dropout=0.3), train_step=textbook_step,
                           optimizer=lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-4)),
]


@pytest.mark.parametrize("make", HEALTHY)
def test_textbook_step_is_clean(make):
    f = audit(make())
    assert f["grad_accumulation_ratio"] == pytest.approx(1.0, abs=0.05)  # same batch, same seed, lr 0
    assert f["eval_mode_in_step"] in (False, None)
    assert f["optimizer_step_called"] is True and f["weights_changed"] is True
    assert holds("train-step-audit", f, "loss-rises-in-step") is False


def test_eval_mode_needs_a_mode_dependent_layer():
    assert audit(regression_subject(train_step=textbook_step))["eval_mode_in_step"] is None
    assert audit(digits_subject(mlp(dropout=0.3), train_step=textbook_step))["eval_mode_in_step"] is False


@pytest.mark.parametrize("make", [digits_subject, regression_subject])
def test_missing_zero_grad_doubles_the_gradient(make):
    f = audit(make(mlp(dropout=0.3) if make is digits_subject else None, train_step=missing_zero_grad))
    # lr 0 keeps the weights, the seed keeps the dropout masks: call 2 sees g + g
    assert f["grad_accumulation_ratio"] == pytest.approx(2.0, abs=0.05)


def test_step_leaving_the_model_in_eval_mode():
    f = audit(digits_subject(mlp(dropout=0.3), train_step=ends_in_eval))
    assert f["eval_mode_in_step"] is True
    assert audit(cnn_subject(train_step=ends_in_eval))["eval_mode_in_step"] is True  # batch norm


def test_step_without_optimizer_step():
    f = audit(digits_subject(train_step=never_steps))
    assert f["optimizer_step_called"] is False and f["weights_changed"] is False
    assert f["grad_accumulation_ratio"] is None


def test_step_on_a_frozen_graph_changes_nothing():
    f = audit(digits_subject(mlp(dropout=0.3), train_step=frozen_step))
    assert f["optimizer_step_called"] is True and f["weights_changed"] is False


def test_rising_loss_is_seen():
    assert holds("train-step-audit", audit(digits_subject(train_step=ascent_step)), "loss-rises-in-step") is True
    assert holds("train-step-audit", audit(digits_subject(lr=1.0, train_step=textbook_step)), "loss-rises-in-step") is True


def test_learning_rates_come_back():
    subject = digits_subject(train_step=textbook_step)
    audit(subject)
    assert subject.optimizer.param_groups[0]["lr"] == 1e-3
    assert not subject.optimizer.state  # state made by the probe's steps is gone
    assert not subject.optimizer._optimizer_step_pre_hooks


def test_same_seed_same_findings():
    subject = digits_subject(mlp(dropout=0.3), train_step=textbook_step)
    first = run_probe("train-step-audit", subject, ctx())
    assert run_probe("train-step-audit", subject, ctx()).details["losses"] == first.details["losses"]


def metric_in_eval_then_train(model, batch, optimizer, loss_fn):
    model.train()
    loss = textbook_step(model, batch, optimizer, loss_fn)
    model.eval()  # a metric under no_grad, then back to training mode: healthy
    with torch.no_grad():
        model(batch[0])
    model.train()
    return loss


def test_a_model_handed_over_in_eval_mode_is_seen():
    subject = digits_subject(mlp(dropout=0.3), train_step=textbook_step)
    subject.model.eval()  # e.g. left so by a baseline evaluation before training
    assert audit(subject)["eval_mode_in_step"] is True
    assert subject.model.training is False  # and it is handed back as it came


@pytest.mark.parametrize("step", [metric_in_eval_then_train, textbook_step])
def test_eval_mode_forwards_under_no_grad_do_not_count(step):
    subject = digits_subject(mlp(dropout=0.3), train_step=step)
    if step is metric_in_eval_then_train:
        subject.model.eval()  # the step itself switches to train mode
    assert audit(subject)["eval_mode_in_step"] is False
