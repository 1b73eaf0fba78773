"""Targets in the ecosystem's own shapes (tests/test_ecosystem.py): a tiny BERT classifier fed Hugging
Face dict batches without a loss_fn, a transformers.Trainer, LightningModules, 3-tuple batches.

Token data is synthetic: sequences of random ids (padded, with an attention mask); the label is
whether token ``SIGNAL`` occurs, so a healthy model and the data probes can learn it.  Nothing is
downloaded: every model is built from a config.
"""
from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

VOCAB, SIGNAL, PAD, MAX_LEN = 100, 7, 0, 16


def bert(num_labels: int = 2):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32, num_labels=num_labels,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return BertForSequenceClassification(config)


def token_rows(n: int, seed: int):
    """(ids, mask, labels): n sequences of 6..MAX_LEN real tokens (ids 10..VOCAB-1), token SIGNAL
    placed in about half of them, right-padded with PAD."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(10, VOCAB, (n, MAX_LEN), generator=g)
    lengths = torch.randint(6, MAX_LEN + 1, (n,), generator=g)
    labels = (torch.rand(n, generator=g) < 0.5).long()
    where = (torch.rand(n, generator=g) * (lengths - 1).float()).long() + 1
    ids[labels == 1, where[labels == 1]] = SIGNAL
    mask = (torch.arange(MAX_LEN)[None, :] < lengths[:, None]).long()
    ids = torch.where(mask.bool(), ids, torch.full_like(ids, PAD))
    return ids, mask, labels


class Tokens(Dataset):
    """Rows as Hugging Face datasets give them: a dict per example."""

    def __init__(self, n: int, seed: int, shuffled_labels: bool = False):
        self.ids, self.mask, self.labels = token_rows(n, seed)
        if shuffled_labels:  # the bug: labels no longer belong to their rows
            self.labels = self.labels[torch.randperm(n, generator=torch.Generator().manual_seed(seed + 99))]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}


def loaders(shuffled_labels: bool = False, n_train: int = 512, n_val: int = 256):
    g = torch.Generator().manual_seed(0)
    train = DataLoader(Tokens(n_train, 1, shuffled_labels), batch_size=32, shuffle=True, generator=g)
    val = DataLoader(Tokens(n_val, 2, shuffled_labels), batch_size=64)
    return train, val


def hf_healthy():
    train, val = loaders()
    model = bert()
    return {"model": model, "train_data": train, "val_data": val,
            "optimizer": lambda p: torch.optim.AdamW(p, lr=1e-3)}


def hf_shuffled_labels():
    train, val = loaders(shuffled_labels=True)
    return {"model": bert(), "train_data": train, "val_data": val,
            "optimizer": lambda p: torch.optim.AdamW(p, lr=1e-3)}


# --- the same data as tensors, for the side-by-side comparison --------------------------------

class BagModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.EmbeddingBag(VOCAB, 32, mode="mean", padding_idx=PAD)
        self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(32, 2))

    def forward(self, ids):
        return self.head(self.emb(ids))


def tensor_loaders(shuffled_labels: bool = False):
    out = []
    for n, seed, shuffle in ((512, 1, True), (256, 2, False)):
        data = Tokens(n, seed, shuffled_labels)
        rows = torch.utils.data.TensorDataset(data.ids, data.labels)
        out.append(DataLoader(rows, batch_size=32 if shuffle else 64, shuffle=shuffle, generator=torch.Generator().manual_seed(0)))
    return out


def declared_regression():
    """Integer targets declared a regression: class-balance has nothing to measure."""
    return {**tensor_shuffled_labels(), "task": "regression"}


def tensor_shuffled_labels():
    torch.manual_seed(0)
    train, val = tensor_loaders(shuffled_labels=True)
    return {"model": BagModel(), "train_data": train, "val_data": val, "loss_fn": torch.nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-2)}


# --- extras in the batch --------------------------------------------------------------------

def weighted():
    """(x, y, weights) batches and a train_step that uses the weights (it fails without them)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g)
    y = (x[:, 0] > 0).long()
    w = torch.rand(256, generator=g) + 0.5
    loader = DataLoader(torch.utils.data.TensorDataset(x, y, w), batch_size=32)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))

    def train_step(model, batch, optimizer, loss_fn):
        x, y, w = batch
        optimizer.zero_grad()
        loss = (torch.nn.functional.cross_entropy(model(x), y, reduction="none") * w).mean()
        loss.backward()
        optimizer.step()
        return loss

    return {"model": model, "train_data": loader, "loss_fn": torch.nn.CrossEntropyLoss(), "train_step": train_step,
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-2)}


# --- Lightning ------------------------------------------------------------------------------

def _lightning_module(lr: float, scheduler: bool = False):
    import lightning.pytorch as L

    class Classifier(L.LightningModule):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.net = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 3))
            self.loss_fn = torch.nn.CrossEntropyLoss()
            g = torch.Generator().manual_seed(0)
            self.x = torch.randn(768, 8, generator=g)
            self.y = (self.x[:, :2].sum(1) > 0).long() + (self.x[:, 2] > 1).long()
            self.vx = torch.randn(256, 8, generator=g)
            self.vy = (self.vx[:, :2].sum(1) > 0).long() + (self.vx[:, 2] > 1).long()

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = self.loss_fn(self(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", self.loss_fn(self(x), y))

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=lr, momentum=0.9)
            if scheduler:
                return {"optimizer": opt, "lr_scheduler": {"scheduler": torch.optim.lr_scheduler.StepLR(opt, 50, gamma=0.5), "interval": "step"}}
            return opt

        def train_dataloader(self):
            return DataLoader(torch.utils.data.TensorDataset(self.x, self.y), batch_size=32, shuffle=True,
                              generator=torch.Generator().manual_seed(0))

        def val_dataloader(self):
            return DataLoader(torch.utils.data.TensorDataset(self.vx, self.vy), batch_size=64)

    return Classifier()


def lightning_lr_too_high():
    return _lightning_module(lr=30.0)


def lightning_healthy():
    return _lightning_module(lr=0.05, scheduler=True)


def lightning_with_datamodule():
    import lightning.pytorch as L

    module = _lightning_module(lr=0.05)

    class Data(L.LightningDataModule):
        def setup(self, stage=None):
            self.rows = torch.utils.data.TensorDataset(module.x, module.y)

        def train_dataloader(self):
            return DataLoader(self.rows, batch_size=16)

    return module, Data()


# --- transformers.Trainer ------------------------------------------------------------------

def hf_trainer(lr: float = 1e-3, shuffled_labels: bool = False, output_dir: str | None = None):
    import os
    import tempfile

    from transformers import Trainer, TrainingArguments

    # save_strategy "no" and report_to []: nothing is written to output_dir (a run already made there is read as history)
    args = TrainingArguments(output_dir=output_dir or os.path.join(tempfile.gettempdir(), "dldoctor-hf-never-written"), learning_rate=lr,
                             per_device_train_batch_size=32, per_device_eval_batch_size=64, num_train_epochs=20,
                             weight_decay=0.01, report_to=[], use_cpu=True, save_strategy="no", logging_steps=5,
                             disable_tqdm=True, seed=0)
    return Trainer(model=bert(), args=args, train_dataset=Tokens(512, 1, shuffled_labels), eval_dataset=Tokens(256, 2, shuffled_labels))


def trainer_subject():
    return hf_trainer()
