"""A binary classifier with a final ``nn.Sigmoid`` trained with ``BCEWithLogitsLoss``.

PyTorch forum: "BCEWithLogitsLoss not learning, loss stuck near 0.5" — the loss applies its own
sigmoid, so the model's outputs are squashed twice; the loss floor is far above zero and the
gradients are small.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32),
                                        torch.tensor(b, dtype=torch.float32)[:, None])
    model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    return {"model": model,
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.BCEWithLogitsLoss(), "task": "classification", "num_classes": 2}
