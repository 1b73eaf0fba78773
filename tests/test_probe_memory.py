"""memory: the parts of a step's memory, the largest batch within a budget, graphs kept across steps."""
import pytest

from judged import holds
import torch

from zoo.context import ctx
from zoo.models import cnn, mlp
from zoo.steps import textbook_step
from zoo.subjects import cnn_subject, digits_subject, regression_subject
from dldoctor.probes.run import run_probe


def findings(subject, **kw):
    out = run_probe("memory", subject, ctx(**kw))
    assert out.status == "ok", out.message
    return out.findings


def keeps_losses():
    kept = []

    def step(model, batch, optimizer, loss_fn):
        optimizer.zero_grad()
        loss = loss_fn(model(batch[0]), batch[1])
        loss.backward()
        optimizer.step()
        kept.append(loss)  # e.g. for a plot: each loss with its whole graph
        return loss.item()
    return step


class RunningTotal:
    """The classic: a running total of loss tensors (``+=`` on a tensor) chains every step's graph."""

    def __init__(self):
        self.total = 0.0

    def __call__(self, model, batch, optimizer, loss_fn):
        optimizer.zero_grad()
        loss = loss_fn(model(batch[0]), batch[1])
        loss.backward()
        optimizer.step()
        self.total += loss
        return loss.item()


@pytest.mark.parametrize("make", [digits_subject, cnn_subject, lambda: regression_subject(train_step=textbook_step)])
def test_healthy_step_keeps_nothing(make):
    f = findings(make(), memory_budget_mb=1024)
    assert f["device"] == "cpu"
    assert f["live_tensors_growth_per_step"] == 0 and f["growth_mb_per_step"] == 0
    assert holds("memory", f, "step-exceeds-memory") is False and f["max_batch_in_budget"] > 10_000


def test_no_budget_on_cpu_means_no_verdict_on_it():
    f = findings(digits_subject())  # free RAM varies between runs: findings must not
    assert holds("memory", f, "step-exceeds-memory") is None and f["max_batch_in_budget"] is None


def test_parts_of_a_step_match_the_model():
    f = findings(digits_subject())  # 64-64-64-10 MLP: 10,250 float32 parameters, Adam: 2 moments each
    n = sum(p.numel() for p in mlp().parameters())
    assert f["param_mb"] == pytest.approx(n * 4 / 2**20)
    assert f["grad_mb"] == pytest.approx(f["param_mb"])
    assert f["optimizer_mb"] == pytest.approx(2 * f["param_mb"], rel=0.01)  # + 3 step counters
    # saved for backward per sample: the input and both ReLU outputs (64 floats each), the
    # log-softmax (10 floats) and the int64 target: 816 bytes
    assert f["activation_mb_per_sample"] * 2**20 == pytest.approx(816)
    assert f["activation_mb"] * 2**20 == pytest.approx(64 * 816, abs=16)
    assert f["peak_mb"] >= f["param_mb"] + f["grad_mb"] + f["optimizer_mb"]


def test_activations_scale_with_the_batch_and_set_the_largest_batch():
    f = findings(cnn_subject(), memory_budget_mb=2.0)
    # conv activations dominate: 16x8x8 floats saved 2-3 times, 32x4x4 twice, pool indices: ~14 KB
    assert 8e3 < f["activation_mb_per_sample"] * 2**20 < 2e4
    # at the budget the linear model is exact: fixed + b * per_sample = 2 MB
    fixed = f["peak_mb"] - 64 * f["activation_mb_per_sample"]
    assert fixed + f["max_batch_in_budget"] * f["activation_mb_per_sample"] <= 2.0
    assert fixed + (f["max_batch_in_budget"] + 1) * f["activation_mb_per_sample"] > 2.0
    assert holds("memory", f, "step-exceeds-memory") is False


def test_small_budget_is_exceeded():
    f = findings(cnn_subject(cnn()), memory_budget_mb=0.05)  # below params + grads + Adam state (0.08 MB)
    assert holds("memory", f, "step-exceeds-memory") is True and f["max_batch_in_budget"] == 0


def test_losses_kept_in_a_list_grow_the_live_graphs():
    f = findings(digits_subject(train_step=keeps_losses()))
    assert f["live_tensors_growth_per_step"] >= 1  # one whole graph per step
    assert f["growth_mb_per_step"] > 0  # at least the kept scalar


def test_running_total_of_losses_grows():
    f = findings(digits_subject(train_step=RunningTotal()))
    assert f["live_tensors_growth_per_step"] >= 1


def test_running_total_in_a_tensor_made_before_the_probe_grows():
    step = RunningTotal()
    step.total = torch.zeros(())  # an old tensor that takes a graph in place: += returns the same object
    f = findings(digits_subject(train_step=step))
    assert f["live_tensors_growth_per_step"] >= 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_step_is_measured_on_the_device():
    subject = digits_subject(mlp().cuda())
    subject.train_data = [(x.cuda(), y.cuda()) for x, y in subject.train_data]
    f = findings(subject)
    assert f["device"] == "cuda"
    assert f["peak_mb"] >= f["param_mb"] + f["grad_mb"]
    assert f["activation_mb"] > 0 and f["activation_mb_per_sample"] > 0
    assert f["max_batch_in_budget"] > 64 and holds("memory", f, "step-exceeds-memory") is False
    assert f["growth_mb_per_step"] == 0 and f["live_tensors_growth_per_step"] == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_kept_losses_grow_device_memory():
    model = cnn().cuda()
    subject = cnn_subject(model, train_step=keeps_losses())
    subject.train_data = [(x.cuda(), y.cuda()) for x, y in subject.train_data]
    f = findings(subject, memory_budget_mb=1.0)
    assert f["live_tensors_growth_per_step"] >= 1 and f["growth_mb_per_step"] > 0
    assert holds("memory", f, "step-exceeds-memory") is True
