"""Source: https://github.com/svishwa/crowdcount-cascaded-mtl/issues/22 ("Implicit dimension choice for softmax
has been deprecated ... So how do I know whether dim should be taken '0' or '1'")

To silence the deprecation warning the call became log_softmax(scores, dim=0): it normalises over the batch, not
over the classes; the loss goes down but the predictions are poor and change with the batch they are in.
"""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return F.log_softmax(self.fc2(torch.relu(self.fc1(x))), dim=0)


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    return {"model": Classifier(), "train_data": DataLoader(ds(X_tr, y_tr), batch_size=64, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=256), "loss_fn": nn.NLLLoss(),
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
