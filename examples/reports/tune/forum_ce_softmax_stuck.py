"""Source: https://discuss.pytorch.org/t/cross-entropy-loss-is-not-decreasing/43814

The reporter's classifier ends in a softmax layer and trains with nn.CrossEntropyLoss; the printed loss stays
at 2.30 (log 10) epoch after epoch and the accuracy is that of guessing.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc2 = nn.Linear(128, 10)
        self.out = nn.Softmax(dim=1)

    def forward(self, x):
        return self.out(self.fc2(torch.relu(self.fc1(x))))


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": Net(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=0.01)}
