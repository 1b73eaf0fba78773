"""Source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814 (the answer that inspects the
parameters)

The loss stays flat from the first epoch; printing the parameters shows they are almost all negative and their
gradients all zero: with non-negative pixel inputs every ReLU unit is off for every example.
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
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    with torch.no_grad():  # "I initialise the weights small, in [-0.1, 0]"
        for layer in (model[0], model[2]):
            layer.weight.uniform_(-0.1, 0.0)
            layer.bias.uniform_(-0.1, 0.0)
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)}
