"""Source: https://discuss.pytorch.org/t/cuda-out-of-memory-after-more-than-8000-iterators/27253

Training runs for thousands of iterations and then fails with "CUDA out of memory"; the loop keeps every batch's
output tensor in a list for an end-of-epoch metric, and each one holds its autograd graph.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

history = []


def train_step(model, batch, optimizer, loss_fn):
    x, t = batch
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, t)
    loss.backward()
    optimizer.step()
    history.append((out, loss))  # for the epoch's accuracy: out.detach() was meant
    return loss.item()


def subject():
    torch.manual_seed(0)
    history.clear()
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(13, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": train_step, "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
