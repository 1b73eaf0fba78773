"""Source: https://discuss.pytorch.org/t/gpu-memory-increase-while-i-wanna-to-backward-with-accumulative-loss/43284

The running loss is accumulated as a tensor (loss += loss_part) for the epoch statistics; memory grows fast at
every iteration and is never released.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

stats = {"epoch_loss": 0}


def train_step(model, batch, optimizer, loss_fn):
    x, t = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), t)
    loss.backward(retain_graph=True)
    optimizer.step()
    stats["epoch_loss"] = stats["epoch_loss"] + loss  # keeps every step's graph alive
    return float(loss)


def subject():
    torch.manual_seed(0)
    stats["epoch_loss"] = 0
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": train_step, "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
