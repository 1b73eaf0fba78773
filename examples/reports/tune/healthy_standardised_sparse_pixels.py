"""Healthy control: every pixel z-scored per column with StandardScaler (fitted on the training split), the
textbook preprocessing. Rarely lit border pixels get |z| of 20-40 on the few examples where they are on; the
features are standardised, not unnormalised.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
