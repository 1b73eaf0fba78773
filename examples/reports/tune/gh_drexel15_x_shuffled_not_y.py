"""Source: https://github.com/DrexelChatbotGroup/DrexelChatbot/issues/15 ("randomizes the order of the x data,
but not the y data. This invalidates the required association between them.")

The training script shuffles the inputs in place before building the dataset and leaves the label array in its
original order; the classifier trains to chance level.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    X_tr = sc.transform(X_tr)
    rng.shuffle(X_tr)  # y_tr stays in its order
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(sc.transform(X_val), y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
