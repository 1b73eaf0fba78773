"""Source: https://taourl.com/read-2391810.html ("Another scenario involves vanishing gradients in deep networks
... A deeper network prone to vanishing gradients", torch.sigmoid after every layer)

A stack of sigmoid layers trained with SGD: the training loss stays flat for epochs; the first layers' gradients
are orders of magnitude smaller than the last layer's.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class DeepNN(nn.Module):
    def __init__(self, depth=10, width=32):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(64, width)] + [nn.Linear(width, width) for _ in range(depth - 1)])
        self.out = nn.Linear(width, 10)

    def forward(self, x):
        for layer in self.layers:
            x = torch.sigmoid(layer(x))
        return self.out(x)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": DeepNN(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=0.05)}
