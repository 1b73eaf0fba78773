"""Healthy: a small CNN on the 8x8 digit images, with a validation and a test split.

Convolutions, pooling, a flatten and a linear classifier, Adam at 1e-3; nothing to report.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    images = X.reshape(-1, 1, 8, 8) / 16.0
    X_tr, X_rest, y_tr, y_rest = train_test_split(images, y, test_size=0.3, random_state=0, stratify=y)
    X_val, X_te, y_val, y_te = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": DigitCNN(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "test_data": DataLoader(as_set(X_te, y_te), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
