"""Every weight initialised to zero "to start from a neutral model".

Stack Overflow: "why should weights of neural networks be initialized to random numbers?" — with all
weights at zero every hidden unit computes the same thing and gets the same update, so the network
behaves as if it had one hidden unit.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.zeros_(module.weight)  # the fault
        nn.init.zeros_(module.bias)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh(), nn.Linear(128, 10))
    model.apply(init_weights)
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
