"""A custom activation written in NumPy in the middle of the forward pass.

Stack Overflow: "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy()" — the
user follows the error message, and the NumPy round trip silently cuts the graph: the layers
before it never receive a gradient.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def swish(t):
    a = t.detach().numpy()
    return torch.from_numpy(a / (1.0 + np.exp(-a)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(30, 64)
        self.fc2 = nn.Linear(64, 64)
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        h = swish(self.fc1(x))  # the fault: the graph ends here
        h = torch.relu(self.fc2(h))
        return self.out(h)


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))
    return {"model": Net(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss()}
