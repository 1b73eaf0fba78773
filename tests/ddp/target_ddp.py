"""A target for `dldoctor diagnose` that asks for two ranks ("distributed": {"world_size": 2}).

subject() builds the loader the way the user's script does on each rank; the function named in the
spec picks the variant: subject (DistributedSampler when a process group is up: healthy),
plain (a plain shuffled loader seeded alike on every rank), batchnorm (BatchNorm1d, 4 per rank),
no_key (the healthy setup without the "distributed" key: --world-size asks for the ranks).
"""
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def _data():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return TensorDataset(torch.tensor(X[:512] / 16.0, dtype=torch.float32), torch.tensor(y[:512]))


def _make(sampler: bool, batch: int = 32, bn: bool = False, key: bool = True):
    torch.manual_seed(0)
    ds = _data()
    if sampler and dist.is_initialized():
        loader = DataLoader(ds, batch_size=batch, sampler=DistributedSampler(ds, shuffle=True, seed=0))
    else:
        loader = DataLoader(ds, batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(0))
    layers = [nn.Linear(64, 64), nn.BatchNorm1d(64)] if bn else [nn.Linear(64, 64)]
    model = nn.Sequential(*layers, nn.ReLU(), nn.Linear(64, 10))
    out = {"model": model, "train_data": loader, "loss_fn": nn.CrossEntropyLoss(),
           "optimizer": lambda params: torch.optim.SGD(params, lr=0.05)}
    if key:
        out["distributed"] = {"world_size": 2}
    return out


def subject():
    return _make(sampler=True)


def plain():
    return _make(sampler=False)


def batchnorm():
    return _make(sampler=True, batch=4, bn=True)


def no_key():
    return _make(sampler=True, key=False)


def _slow_on_rank_one(batch):
    import time

    if dist.is_initialized() and dist.get_rank() == 1:
        time.sleep(0.03)  # rank 1's loader decodes each batch in the training process
    return torch.utils.data.default_collate(batch)


def straggler():
    out = _make(sampler=True)
    ds = out["train_data"].dataset
    sampler = DistributedSampler(ds, shuffle=True, seed=0) if dist.is_initialized() else None
    out["train_data"] = DataLoader(ds, batch_size=32, sampler=sampler, shuffle=sampler is None, collate_fn=_slow_on_rank_one)
    return out


def bad_world():
    out = _make(sampler=True)
    out["distributed"] = {"world_size": 1}
    return out


def bad_key():
    out = _make(sampler=True)
    out["distributed"] = {"world_size": 2, "backend": "nccl"}
    return out
