"""Source: https://github.com/deepset-ai/FARM/issues/229 ("UserWarning: Using a target size (torch.Size([32, 1]))
that is different to the input size (torch.Size([32]))"; "the logits were squeezed")

A regression head squeezes its output to (batch,) while the labels are (batch, 1); MSELoss broadcasts them to
(batch, batch) with a warning, and the model learns to predict the mean.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


class RegressionHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def subject():
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    sx, sy = StandardScaler().fit(X_tr), StandardScaler().fit(y_tr.reshape(-1, 1))
    ds = lambda a, b: TensorDataset(torch.tensor(sx.transform(a), dtype=torch.float32),
                                    torch.tensor(sy.transform(b.reshape(-1, 1)), dtype=torch.float32))
    return {"model": RegressionHead(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.MSELoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
