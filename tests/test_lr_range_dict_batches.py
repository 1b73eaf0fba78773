"""lr-range does not assume (inputs, targets) tuples: a transformer fed dict batches (as Hugging Face
collators make them) through its own train_step gets a range test, and a rate far too high shows."""
from __future__ import annotations

import torch
from zoo.context import findings
from torch import nn

from dldoctor.expert.subject import Subject


class TinyTransformer(nn.Module):
    def __init__(self, vocab=32, dim=32, classes=4):
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(dim, classes)

    def forward(self, input_ids, attention_mask):
        h = self.encoder(self.embed(input_ids), src_key_padding_mask=attention_mask == 0)
        return self.head(h.mean(1))


def dict_batches(n=256, seq=12, batch=32):
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, (n,), generator=g)
    ids = labels[:, None] * 8 + torch.randint(0, 8, (n, seq), generator=g)  # every token names its class
    return [{"input_ids": ids[i:i + batch], "attention_mask": torch.ones(batch, seq, dtype=torch.long), "labels": labels[i:i + batch]}
            for i in range(0, n, batch)]


def hf_style_step(model, batch, optimizer, loss_fn):
    optimizer.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    loss.backward()
    optimizer.step()
    return loss.item()


def subject(lr):
    model = TinyTransformer()
    return Subject(model=model, train_data=dict_batches(), loss_fn=nn.CrossEntropyLoss(), train_step=hf_style_step,
                   optimizer=lambda ps: torch.optim.AdamW(ps, lr=lr))


def test_the_range_test_runs_on_dict_batches_and_sees_a_rate_far_too_high():
    f = findings("lr-range", subject(lr=5.0))  # AdamW; on this easy task the sweep's best is ~0.14
    assert f["best_lr"] is not None and f["log10_lr_ratio"] > 1.0 and f["configured_over_diverge"] >= 1.0


def test_a_sane_rate_on_dict_batches_is_not_far_above():
    f = findings("lr-range", subject(lr=1e-3))
    assert f["log10_lr_ratio"] is None or f["log10_lr_ratio"] < 1.0
