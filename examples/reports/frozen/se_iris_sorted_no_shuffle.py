"""Source: https://datascience.stackexchange.com/questions/64623/inconsistency-occurred-when-using-cross-val-score-in-python

The iris data are sorted by class and the loop uses them in file order (shuffle=False): each batch holds a single
class, the model chases the class of the last batches and validation accuracy swings between epochs.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_iris


def subject():
    torch.manual_seed(0)
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    val = list(range(0, 150, 5))
    train = [i for i in range(150) if i % 5]  # still sorted by class
    ds = lambda idx: TensorDataset(torch.tensor(X[idx], dtype=torch.float32), torch.tensor(y[idx]))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    return {"model": model, "train_data": DataLoader(ds(train), batch_size=10, shuffle=False),
            "val_data": DataLoader(ds(val), batch_size=30), "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)}
