"""A tabular model that one-hot encodes raw account numbers inside its forward pass.

Stack Overflow: "DefaultCPUAllocator: can't allocate memory: you tried to allocate 2560000000000256
bytes" — the model was written on a toy table whose ids ran 0..99; on the real table the ids are
13-digit account numbers and ``F.one_hot`` (which sizes itself on the largest id) asks for petabytes.
The allocation fails at once; nothing is actually reserved.
"""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset


class TabularNet(nn.Module):
    def __init__(self, n_numeric=6):
        super().__init__()
        self.id_proj = nn.LazyLinear(8)
        self.mlp = nn.Sequential(nn.Linear(n_numeric + 8, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):
        ids, numeric = x[:, 0].long(), x[:, 1:].float()
        onehot = F.one_hot(ids).float()  # the fault: one column per possible id, up to ~1e13
        return self.mlp(torch.cat([self.id_proj(onehot), numeric], dim=1))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    n = 1000
    accounts = rng.integers(10**12, 10**13, size=n)
    numeric = rng.normal(size=(n, 6))
    y = (numeric[:, 0] + numeric[:, 1] > 0).astype(np.int64)
    inputs = torch.tensor(np.column_stack([accounts, numeric]), dtype=torch.float32)
    loader = DataLoader(TensorDataset(inputs, torch.tensor(y)), batch_size=32, shuffle=True)
    return {"model": TabularNet(), "train_data": loader, "loss_fn": nn.CrossEntropyLoss(),
            "task": "classification", "num_classes": 2}
