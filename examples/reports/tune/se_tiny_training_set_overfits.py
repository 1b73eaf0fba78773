"""Source: https://datascience.stackexchange.com/questions/19482/is-it-always-possible-for-validation-accuracy-to-be-as-high-as-training-accuracy

Very few training examples per class and a network with far more parameters than examples: training accuracy
reaches the top while validation accuracy stays well below it.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, train_size=60, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=20, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=512), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
