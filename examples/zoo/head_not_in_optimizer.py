"""Fine-tuning: the backbone is frozen, the optimizer is built, and only then the head is replaced.

PyTorch forum: "fine-tuned model does not improve, the new fc layer keeps its initial weights" — the
body was pre-trained (here on digits 0-4) and frozen on purpose; the script builds the optimizer over
``model.parameters()`` and then swaps in a 10-class head, whose parameters the optimizer never saw.
Nothing that can learn is being updated.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits


class Net(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.head = nn.Linear(32, classes)

    def forward(self, x):
        return self.head(self.body(x))


def pretrain(model, inputs, labels, epochs=5):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for xb, yb in DataLoader(TensorDataset(inputs, labels), batch_size=64, shuffle=True):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            optimizer.step()


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    inputs, labels = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
    first_half = labels < 5
    model = Net(classes=5)
    pretrain(model, inputs[first_half], labels[first_half])
    for param in model.body.parameters():
        param.requires_grad = False
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.head = nn.Linear(32, 10)  # the fault: the optimizer still holds the old 5-class head
    return {"model": model, "optimizer": optimizer,
            "train_data": DataLoader(TensorDataset(inputs, labels), batch_size=64, shuffle=True),
            "loss_fn": nn.CrossEntropyLoss()}
