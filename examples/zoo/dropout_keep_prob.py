"""``nn.Dropout(0.9)`` written by someone used to TensorFlow 1's ``keep_prob=0.9``.

Stack Overflow: "my PyTorch port trains far worse than the TensorFlow original" — TF1's dropout took
the probability of *keeping* a unit, PyTorch's takes the probability of *dropping* it; 0.9 drops nine
units in ten after every layer and the network cannot fit its training data.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    keep_prob = 0.9
    model = nn.Sequential(
        nn.Dropout(keep_prob), nn.Linear(64, 64), nn.ReLU(), nn.Dropout(keep_prob),
        nn.Linear(64, 64), nn.ReLU(), nn.Dropout(keep_prob), nn.Linear(64, 10),
    )
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
