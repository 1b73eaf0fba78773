"""A small CNN on the 8x8 digits trained with Adam at lr=1.0.

Stack Overflow: "Adam gives nan / accuracy stuck at chance, SGD works" — the user switched the
optimizer from SGD (lr=1.0 was fine there, on a summed loss) to Adam and kept the number; Adam's
steps are about lr in size whatever the gradient, so every weight jumps by 1 per step.
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
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32).reshape(-1, 1, 8, 8), torch.tensor(b))
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1.0)}
