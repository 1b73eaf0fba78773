"""Source: https://taourl.com/read-2391810.html ("Loss is not changing. Its remaining constant": optim.SGD with
lr=0.0001, "Extremely small learning rate")

The regression's printed loss is the same to three decimals epoch after epoch: the updates are negligible.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    sx, sy = StandardScaler().fit(X_tr), StandardScaler().fit(y_tr.reshape(-1, 1))
    ds = lambda a, b: TensorDataset(torch.tensor(sx.transform(a), dtype=torch.float32),
                                    torch.tensor(sy.transform(b.reshape(-1, 1)), dtype=torch.float32))
    model = nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Linear(5, 1))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.MSELoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=1e-4)}
