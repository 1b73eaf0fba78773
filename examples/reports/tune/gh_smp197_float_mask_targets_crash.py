"""Source: https://github.com/qubvel-org/segmentation_models.pytorch/issues/197 ("Expected object of scalar type
Long but got scalar type Float for argument #2 'target'" after switching to CrossEntropyLoss)

The labels are stored as floats (as they were for the previous loss); switching to cross entropy makes the first
step fail on the target's dtype.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32))
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 64, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
