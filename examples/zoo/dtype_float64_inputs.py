"""Features go from NumPy to torch as float64 while the model's weights are float32.

Stack Overflow: "RuntimeError: expected scalar type Double but found Float" / "mat1 and mat2 must have
the same dtype" — ``torch.from_numpy`` keeps NumPy's float64, and the user never calls ``.float()``.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)  # float64
    data = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
    return {"model": model, "train_data": DataLoader(data, batch_size=16, shuffle=True),
            "loss_fn": nn.CrossEntropyLoss()}
