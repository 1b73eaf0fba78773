"""Source: https://github.com/slryou41/AnchorLoss/issues/2 ("when we used log operation on top of the output
directly ... it sometimes generated NaN")

The loss takes torch.log of the softmax output itself instead of log_softmax; once the model becomes confident,
some probabilities underflow to exactly 0 and the gradient turns into NaN.
"""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def anchor_like_loss(logits, target):
    log_p = torch.log(F.softmax(logits, dim=1))
    return F.nll_loss(log_p, target)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": anchor_like_loss,
            "optimizer": lambda p: torch.optim.Adam(p, lr=0.05)}
