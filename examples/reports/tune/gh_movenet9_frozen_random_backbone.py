"""Source: https://github.com/lee-man/movenet/issues/9 (the backbone is built with pretrained=False while
froze_backbone defaults to True)

With no pretrained weights loaded, the default "freeze the backbone" leaves a randomly initialised feature
extractor that never learns; only the small head trains and accuracy stays far below what the model can reach.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def backbone(pretrained=False):
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(2), nn.Flatten())
    if pretrained:
        raise RuntimeError("no weights available offline")
    return net


class PoseNet(nn.Module):
    def __init__(self, froze_backbone=True):
        super().__init__()
        self.backbone = backbone(pretrained=False)
        if froze_backbone:
            for p in self.backbone.parameters():
                p.requires_grad = False
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        return self.head(self.backbone(x))


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = PoseNet()
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam([q for q in p if q.requires_grad], lr=1e-3)}
