"""Source: https://github.com/wenliangdai/Modality-Transferable-MER/issues/3 ("RuntimeError: multi-target not
supported for CrossEntropyLoss")

The emotion labels of the processed dataset are multi-hot rows (an example can carry several emotions) and the
README's command trains with cross entropy; the first step crashes on the target.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make(n, rng, W):
    X = rng.normal(size=(n, 32)).astype(np.float32)
    Y = ((X @ W) > 0.5).astype(np.int64)  # multi-hot integer rows, as stored on disk
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(32, 6)).astype(np.float32) / 4
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 6))
    return {"model": model, "train_data": DataLoader(make(512, rng, W), batch_size=32, shuffle=True),
            "val_data": DataLoader(make(128, rng, W), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
