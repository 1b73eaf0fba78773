"""Two faults: a defect-detection set sorted by label and not shuffled, with 5% defects.

PyTorch forum: "the model outputs 'ok' for every part" — the records were exported ordered by
inspection result (all good parts, then the defective ones) and the loader does not shuffle; the
minority class also arrives in a few batches at the very end of every epoch.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler


def export_sorted_by_result(X, y):
    order = np.argsort(y, kind="stable")
    return X[order], y[order]


def subject():
    torch.manual_seed(0)
    X, y = make_classification(n_samples=1600, n_features=10, n_informative=5, weights=[0.95],
                               class_sep=1.0, random_state=1)
    X = StandardScaler().fit_transform(X)
    X, y = export_sorted_by_result(X, y)
    data = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    return {"model": model, "train_data": DataLoader(data, batch_size=50, shuffle=False),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9)}
