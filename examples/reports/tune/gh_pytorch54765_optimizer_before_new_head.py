"""Source: https://github.com/pytorch/pytorch/issues/54765 ("I wonder if I need to reset optimizer function when
network structure is changed?" - "You need to reinitialize the optimizer; otherwise it doesn't know anything
about the new nets parameters.")

The optimizer is built on the first network, then the network is re-created with the new structure
(net1 = Net2()); the optimizer still holds the old parameters, so the new network never changes.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


class Net(nn.Module):
    def __init__(self, n_out):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.fc = nn.Linear(64, n_out)

    def forward(self, x):
        return self.fc(self.body(x))


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    model = Net(n_out=10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model = Net(n_out=3)  # the new structure for the three-class task; optimizer not rebuilt
    return {"model": model, "optimizer": optimizer,
            "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=64), "loss_fn": nn.CrossEntropyLoss()}
