"""Source: https://geekdaxue.co/read/myheros@iegk5l/swg1v0 (torch.nn.functional.dropout vs nn.Dropout after
model.eval())

The model calls F.dropout(x, p, training=True) in forward; after model.eval() the outputs still change from one
call to the next, and the validation accuracy is noisy and below the training accuracy.
"""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class MLP(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p
        self.fc1 = nn.Linear(64, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.dropout(torch.relu(self.fc1(x)), p=self.p, training=True)
        return self.fc2(x)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": MLP(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
