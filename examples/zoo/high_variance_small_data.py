"""A wide three-layer network on 150 rows of 300 features, most of them noise.

Cross Validated, "100% training accuracy, 60% validation accuracy": a model with ~200k parameters
memorises 150 training rows of a problem with a handful of informative features.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    X, y = make_classification(n_samples=600, n_features=300, n_informative=5, n_redundant=0,
                               class_sep=0.8, flip_y=0.02, random_state=0)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, train_size=150, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(300, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 2))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(), "target_error": 0.05,
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
