"""A model class copied from a digits script (64 inputs) and reused on a 30-feature table.

PyTorch forum: "mat1 and mat2 shapes cannot be multiplied (32x30 and 64x128)" — the user moved an MLP
written for 8x8 images to the breast-cancer table and kept ``in_features=64``.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler


def make_mlp(in_features=64, hidden=128, classes=2):
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    data = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    return {"model": make_mlp(), "train_data": DataLoader(data, batch_size=32, shuffle=True),
            "loss_fn": nn.CrossEntropyLoss()}
