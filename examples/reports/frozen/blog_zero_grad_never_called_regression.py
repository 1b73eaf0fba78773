"""Source: https://theneuralbase.com/pytorch/learn/beginner/forward-pass-loss-backward-step/ ("optimizer.step() does
NOT call zero_grad() automatically ... gradients accumulate indefinitely across epochs")

A regression loop with loss.backward() and optimizer.step() but no zero_grad: the loss first falls, then
oscillates with growing amplitude and blows up.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def train_step(model, batch, optimizer, loss_fn):
    x, y = batch
    pred = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    optimizer.step()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    sx, sy = StandardScaler().fit(X_tr), StandardScaler().fit(y_tr.reshape(-1, 1))
    ds = lambda a, b: TensorDataset(torch.tensor(sx.transform(a), dtype=torch.float32),
                                    torch.tensor(sy.transform(b.reshape(-1, 1)), dtype=torch.float32))
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.MSELoss(),
            "train_step": train_step, "optimizer": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)}
