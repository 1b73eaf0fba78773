"""The loaders one trial trains and validates on.

Validation uses ``val_data`` when the subject has it.  Without it, a fifth of ``train_data`` is held
out, the same fifth for every trial: for a DataLoader over a sized Dataset with a plain sampler,
rows (a seeded permutation of the indices; the loader is rebuilt over the rest); for a list or tuple
of batches, every fifth batch; for any other iterable, every fifth batch too (when such a loader
shuffles, held-out batches may hold rows that other epochs train on — the summary says so).
A new batch size rebuilds a DataLoader with the same dataset, collate_fn, workers and drop_last.
"""
from __future__ import annotations

HOLD_OUT = 5  # one row (or batch) in five is held out: the usual 80/20 split
SPLIT_SEED = 12345  # fixed: every trial, every worker and every machine hold out the same rows


def rebatchable(loader) -> bool:
    """A DataLoader that can be rebuilt as it is with another batch size or over a subset."""
    from torch.utils.data import DataLoader, RandomSampler, SequentialSampler

    if not isinstance(loader, DataLoader) or loader.batch_size is None:
        return False
    try:
        len(loader.dataset)
    except TypeError:
        return False
    return type(loader.sampler) in (RandomSampler, SequentialSampler)


def rebuild(loader, *, dataset=None, batch_size=None, shuffle=None, seed: int = 0):
    """The same DataLoader over ``dataset`` / with ``batch_size``; shuffling draws from a seeded generator."""
    import torch
    from torch.utils.data import DataLoader, RandomSampler

    shuffle = isinstance(loader.sampler, RandomSampler) if shuffle is None else shuffle
    kwargs = dict(batch_size=batch_size or loader.batch_size, shuffle=shuffle, collate_fn=loader.collate_fn,
                  drop_last=loader.drop_last, num_workers=loader.num_workers, pin_memory=loader.pin_memory,
                  worker_init_fn=loader.worker_init_fn)
    if loader.num_workers:
        kwargs.update(persistent_workers=False, prefetch_factor=loader.prefetch_factor)
    if shuffle:
        kwargs["generator"] = torch.Generator().manual_seed(seed)
    return DataLoader(dataset if dataset is not None else loader.dataset, **kwargs)


class EveryNth:
    """The batches of a re-iterable loader whose position is (or is not) a multiple of ``n`` minus one."""

    def __init__(self, loader, n: int, held_out: bool):
        self.loader, self.n, self.held_out = loader, n, held_out

    def __iter__(self):
        for i, batch in enumerate(self.loader):
            if (i % self.n == self.n - 1) == self.held_out:
                yield batch


def split(subject, seed: int) -> tuple[object, object, str]:
    """(train loader, validation loader, where validation comes from) for this subject."""
    import torch

    train = subject.train_data
    if subject.val_data is not None:
        return train, subject.val_data, "val_data"
    if rebatchable(train):
        n = len(train.dataset)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(SPLIT_SEED)).tolist()
        k = max(1, n // HOLD_OUT)
        val_set = torch.utils.data.Subset(train.dataset, order[:k])
        train_set = torch.utils.data.Subset(train.dataset, order[k:])
        return (rebuild(train, dataset=train_set, seed=seed), rebuild(train, dataset=val_set, shuffle=False),
                f"a held-out fifth of train_data ({k} of {n} rows; no val_data given)")
    where = "a held-out fifth of train_data's batches (every fifth; no val_data given)"
    if not isinstance(train, (list, tuple)):
        where += "; if train_data shuffles, held-out batches may share rows with training"
    return EveryNth(train, HOLD_OUT, False), EveryNth(train, HOLD_OUT, True), where


def with_batch_size(train, batch_size, seed: int):
    """``train`` rebuilt with ``batch_size`` (as it is when None or already that size)."""
    if batch_size is None or not rebatchable(train) or train.batch_size == batch_size:
        return train
    return rebuild(train, batch_size=int(batch_size), seed=seed)


def reseeded(train, seed: int):
    """A rebuilt shuffling loader gets a fresh seeded generator for each trial (the same order every trial)."""
    from torch.utils.data import RandomSampler

    gen = getattr(train, "generator", None)
    if gen is not None and rebatchable(train) and isinstance(train.sampler, RandomSampler):
        gen.manual_seed(seed)
    return train
