"""Source: https://datascience.stackexchange.com/questions/77981/is-using-samples-from-the-same-person-in-both-trainset-and-testset-considers-bei

Ten images per person, split at random 70:30, so nearly every test person also appears in training; the test
accuracy is far better than on new people.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.model_selection import train_test_split


def subject():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    people = rng.normal(size=(120, 40))
    smiles = rng.integers(0, 2, size=120)
    X = np.repeat(people, 10, axis=0) + 0.01 * rng.normal(size=(1200, 40))  # ten shots, nearly identical
    y = np.repeat(smiles, 10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(nn.Linear(40, 128), nn.ReLU(), nn.Linear(128, 2))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "test_data": DataLoader(ds(X_te, y_te), batch_size=128), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
