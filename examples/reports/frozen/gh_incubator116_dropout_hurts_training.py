"""Source: https://github.com/entity-neural-network/incubator/pull/116 ("Disable dropout: Training with dropout
results in significantly lower performance")

Heavy dropout after every layer of a small network (plus weight decay): the training loss stays high, the model
cannot fit even its training data, and removing the dropout fixes it.
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
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Dropout(0.6), nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.85), nn.Linear(32, 32),
                          nn.ReLU(), nn.Dropout(0.85), nn.Linear(32, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.1)}
