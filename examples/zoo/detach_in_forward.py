"""A forward pass that detaches the features it also wants to keep for a visualisation.

PyTorch forum: "only the last layer's weights change" — the user stores the hidden features for a
t-SNE plot with ``self.features = h.detach()`` and then, by mistake, keeps computing with the
detached copy, so no gradient reaches the encoder.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 16), nn.Tanh())
        self.head = nn.Linear(16, 10)
        self.features = None

    def forward(self, x):
        h = self.encoder(x)
        self.features = h.detach()  # kept for plotting
        return self.head(self.features)  # the fault: should be self.head(h)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": Classifier(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
