"""Source: https://github.com/aymericdamien/TensorFlow-Examples/issues/207 ("Nonlinearity functions missed in
neural_network_raw.ipynb")

The example MLP stacks its hidden layers with no activation between them: it trains, but is no better than a
linear model, here on data a linear boundary cannot separate.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split


class NeuralNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_1 = nn.Linear(2, 64)
        self.layer_2 = nn.Linear(64, 64)
        self.out_layer = nn.Linear(64, 2)

    def forward(self, x):
        return self.out_layer(self.layer_2(self.layer_1(x)))


def subject():
    torch.manual_seed(0)
    X, y = make_moons(n_samples=1200, noise=0.1, random_state=0)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": NeuralNet(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-2)}
