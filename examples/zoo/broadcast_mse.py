"""A regression net whose (N, 1) output is compared with an (N,) target by MSELoss.

Stack Overflow: "Using a target size (torch.Size([32])) that is different to the input size
(torch.Size([32, 1]))" and "my regression network predicts the same value for every input".  The
loss broadcasts the two into an (N, N) matrix, so the best the model can do is predict the mean.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    inputs = torch.tensor(X, dtype=torch.float32)
    targets = torch.tensor(y, dtype=torch.float32)  # shape (N,), the model returns (N, 1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=32, shuffle=True)
    return {"model": model, "train_data": loader, "loss_fn": nn.MSELoss(), "task": "regression",
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3)}
