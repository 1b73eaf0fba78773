"""batch-independence: examples mixed across the batch in eval mode (RNN without batch_first, a view
that interleaves) fire; independent models - batch norm included, which mixes only in train mode - do not."""
from __future__ import annotations

import pytest
import torch
from zoo.context import ctx, findings, symptoms
from zoo.data import digits
from zoo.models import mlp
from zoo.subjects import cnn_subject, digits_subject
from torch import nn

from dldoctor.expert.subject import Subject
from dldoctor.probes.run import run_probe


class RowsAsSequence(nn.Module):
    """Each 8x8 digit read as a sequence of 8 rows by a GRU; batch_first decides whether it is right."""

    def __init__(self, batch_first: bool, transpose: bool = False):
        super().__init__()
        torch.manual_seed(0)
        self.rnn = nn.GRU(8, 32, batch_first=batch_first)
        self.head = nn.Linear(32, 10)
        self.transpose = transpose

    def forward(self, x):
        seq = x.view(len(x), 8, 8)
        if self.transpose:  # the sequence-first way, done right
            out, _ = self.rnn(seq.transpose(0, 1))
            return self.head(out[-1])
        out, _ = self.rnn(seq)
        return self.head(out[:, -1])


class InterleavingView(nn.Module):
    """Per-row features, then view(8, batch, ...) where permute was meant."""

    def __init__(self, permute: bool):
        super().__init__()
        torch.manual_seed(0)
        self.rows = nn.Linear(8, 16)
        self.head = nn.Linear(128, 10)
        self.permute = permute

    def forward(self, x):
        b = len(x)
        h = torch.relu(self.rows(x.view(b, 8, 8)))  # (b, 8, 16)
        h = h.permute(1, 0, 2) if self.permute else h.view(8, b, 16)  # both read as (rows, batch, 16)
        return self.head(h.transpose(0, 1).reshape(b, -1))


def mixes(subject) -> bool:
    return symptoms("batch-independence", subject)["outputs-mix-examples"]


@pytest.mark.parametrize("model", [lambda: RowsAsSequence(batch_first=False), lambda: InterleavingView(permute=False)],
                         ids=["gru-without-batch-first", "view-interleaves"])
def test_mixed_batch_dimension_fires(model):
    f = findings("batch-independence", digits_subject(model()))
    assert f["batch_dim"] == 0 and f["cross_example_change"] > 0.1


HEALTHY = {
    "gru-batch-first": lambda: digits_subject(RowsAsSequence(batch_first=True)),
    "gru-sequence-first-transposed": lambda: digits_subject(RowsAsSequence(batch_first=False, transpose=True)),
    "permute-not-view": lambda: digits_subject(InterleavingView(permute=True)),
    "mlp-with-dropout": lambda: digits_subject(mlp(dropout=0.5)),
    "cnn-with-batchnorm": lambda: cnn_subject(),  # mixes in train mode only
    "batchnorm-mlp": lambda: digits_subject(nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))),
}


@pytest.mark.parametrize("name", HEALTHY)
def test_independent_examples_stay_silent(name):
    assert mixes(HEALTHY[name]()) is False


def test_sequence_first_batches_from_a_custom_collate_use_dim_1():
    """pad_sequence's default layout (seq, batch, feature) for a sequence-first GRU: dim 1 is the batch."""
    x, y = digits()
    seqs = x.view(-1, 8, 8)
    data = [(seqs[i:i + 32].transpose(0, 1), y[i:i + 32]) for i in range(0, 256, 32)]  # (8 rows, 32, 8)

    class SeqFirst(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.rnn, self.head = nn.GRU(8, 16), nn.Linear(16, 10)

        def forward(self, s):
            return self.head(self.rnn(s)[0][-1])

    f = findings("batch-independence", Subject(model=SeqFirst(), train_data=data, loss_fn=nn.CrossEntropyLoss()))
    assert f["batch_dim"] == 1 and f["cross_example_change"] < 1e-5


def test_batchnorm_in_train_mode_would_mix_but_the_probe_measures_eval():
    model = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))
    subject = digits_subject(model)
    x = next(iter(subject.train_data))[0][:8]
    model.train()
    a = model(x)
    x2 = x.clone()
    x2[0] = x[1]
    assert (model(x2)[1:] - a[1:]).abs().max() > 1e-3  # train mode: batch statistics mix the batch
    assert findings("batch-independence", subject)["cross_example_change"] < 1e-5
    assert model.training  # the probe left the mode as it was


def test_no_dimension_of_the_batch_size_is_not_measured():
    """A batch whose inputs have no dimension of the targets' length: the batch is unknown, nothing judged."""
    data = [(torch.randn(7, 64), torch.zeros(3, dtype=torch.long))]
    out = run_probe("batch-independence", Subject(model=mlp(), train_data=data, loss_fn=nn.CrossEntropyLoss()), ctx())
    assert out.status == "not-measured" and "batch dimension is unknown" in " ".join(out.notes) + out.message
    assert out.findings == {"cross_example_change": None, "batch_dim": None}
