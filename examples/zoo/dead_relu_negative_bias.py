"""Hidden biases initialised to a large negative constant "for sparse activations".

PyTorch forum: "all my ReLU outputs are zero and the loss never changes" — a sparse-coding trick
copied into a classifier sets every hidden bias to -5 while the inputs lie in [0, 1]: the ReLUs are
dead for every input and pass no gradient.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class SparseMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden1 = nn.Linear(64, 128)
        self.hidden2 = nn.Linear(128, 128)
        self.out = nn.Linear(128, 10)
        for layer in (self.hidden1, self.hidden2):
            nn.init.constant_(layer.bias, -5.0)  # the fault

    def forward(self, x):
        x = torch.relu(self.hidden1(x))
        x = torch.relu(self.hidden2(x))
        return self.out(x)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    as_set = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": SparseMLP(),
            "train_data": DataLoader(as_set(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(as_set(X_val, y_val), batch_size=256),
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
