"""Fraud detection with 2% positives and a plain cross-entropy: the model says "not fraud" to all.

Stack Overflow / Cross Validated, "98% accuracy but the model never predicts the positive class" —
the transactions are 98% legitimate, the loss is unweighted and the sampler uniform, so predicting
the majority is an excellent local optimum.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = make_classification(n_samples=2000, n_features=12, n_informative=4, weights=[0.98],
                               class_sep=0.6, flip_y=0.0, random_state=0)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 2))
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.SGD(params, lr=0.01)}
