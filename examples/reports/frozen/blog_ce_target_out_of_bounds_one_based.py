"""Source: https://www.codegenes.net/blog/target-is-out-of-bounds-pytorch ("IndexError: Target is out of bounds"
when the labels are not in [0, C-1])

The wine cultivars are stored 1, 2, 3 as in the original data file; the three-output classifier crashes in
CrossEntropyLoss with "Target 3 is out of bounds".
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    y = y + 1  # cultivar numbers as in wine.data
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
