"""Source: https://github.com/pytorch/vision/issues/2164 ("Faster Rcnn construction function freezes backbone
layers even for random initialized backbone")

Training from scratch, the constructor still freezes the backbone's early layers, which therefore keep their
random weights for the whole run; the reporter saw poor accuracy and took a while to find why.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def resnet_like(trainable_layers=1):
    stages = [nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU()),
              nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU()),
              nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())]
    for stage in stages[:len(stages) - trainable_layers]:  # hard-coded as for a pretrained backbone
        stage.requires_grad_(False)
    return nn.Sequential(*stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": resnet_like(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)}
