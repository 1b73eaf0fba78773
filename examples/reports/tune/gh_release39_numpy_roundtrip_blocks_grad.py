"""Source: https://github.com/isayev/ReLeaSE/issues/39 ("Weights are not updating": a value taken through
.cpu().detach().numpy() inside the loss; "your changes detach rl_loss from the computational graph")

Part of the forward pass goes through NumPy (a clip done with np.clip on a detached copy), so the layers before it
get no gradient and never change.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        z = self.encoder(x)
        z = torch.from_numpy(np.clip(z.cpu().detach().numpy(), -3.0, 3.0))  # torch.clamp was meant
        return self.head(torch.relu(z))


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": Net(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
