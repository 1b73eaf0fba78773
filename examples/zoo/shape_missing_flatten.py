"""A small CNN on the 8x8 digits that forgets to flatten before its classifier.

Stack Overflow, many times over: "RuntimeError: mat1 and mat2 shapes cannot be multiplied" from a CNN
whose forward goes straight from the last convolution to ``nn.Linear``.  ``Linear`` acts on the last
dimension only, so the (N, 16, 8, 8) feature map reaches a layer that expects 16*8*8 features.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits


class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
        )
        self.classifier = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x)  # the fault: no x.flatten(1)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    images = torch.tensor(X / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    labels = torch.tensor(y)
    loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True)
    return {"model": DigitCNN(), "train_data": loader, "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
