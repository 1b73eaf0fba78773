"""Class labels stored as float32 and passed to CrossEntropyLoss.

Stack Overflow: "expected scalar type Long but found Float" — the user turned the whole data frame
(features and label column) into one float tensor and split it, so the class indices are floats.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_iris


def subject():
    torch.manual_seed(0)
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    table = torch.tensor(np.column_stack([X, y]), dtype=torch.float32)
    features, labels = table[:, :4], table[:, 4]  # labels are 0., 1., 2. as floats
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    loader = DataLoader(TensorDataset(features, labels), batch_size=16, shuffle=True)
    return {"model": model, "train_data": loader, "loss_fn": nn.CrossEntropyLoss()}
