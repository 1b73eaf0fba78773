"""Two faults: a hand-written binary cross-entropy, fed by raw, unscaled features.

Stack Overflow: "my custom BCE loss is inf/nan from the first batch" — ``-(y*log(p) + (1-y)*log(1-p))``
on ``torch.sigmoid`` outputs; the raw Wisconsin features (areas in the thousands) push the logits so
far that the sigmoid rounds to exactly 0 or 1 and the log is -inf.  The NaN is what the user sees
first; the unscaled inputs are why it happens.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def binary_cross_entropy(logits, targets):
    p = torch.sigmoid(logits)
    return -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()  # log(0) = -inf


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32))
    model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": binary_cross_entropy, "task": "classification", "num_classes": 2,
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
