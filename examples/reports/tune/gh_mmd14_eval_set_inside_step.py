"""Source: https://github.com/shubhamagarwal92/mmd/issues/14 ("after evaluate, I didn't find model.train() to
enable dropout")

The training step logs a few predictions with model.eval() first and never calls model.train() again, so every
update is computed with batch norm on its running statistics and dropout off.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def log_predictions(model, x):
    model.eval()
    with torch.no_grad():
        return model(x[:4]).argmax(1).tolist()


def train_step(model, batch, optimizer, loss_fn):
    x, t = batch
    log_predictions(model, x)
    optimizer.zero_grad()
    loss = loss_fn(model(x), t)
    loss.backward()
    optimizer.step()
    return loss.item()


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(30, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.CrossEntropyLoss(),
            "train_step": train_step, "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
