"""Source: https://github.com/vlfeat/matconvnet/issues/327 ("Bug: dropout is not disabled during validation")

A stochastic regularising layer keeps running during validation: here a Gaussian-noise layer written by hand that
never looks at self.training. Validation loss is higher than it should be and differs between identical runs.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


class GaussianNoise(nn.Module):
    def __init__(self, sigma):
        super().__init__()
        self.sigma = sigma

    def forward(self, x):
        return x + self.sigma * torch.randn_like(x)  # also at evaluation


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = nn.Sequential(GaussianNoise(0.8), nn.Linear(13, 64), nn.ReLU(), GaussianNoise(0.8), nn.Linear(64, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
