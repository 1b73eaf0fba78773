"""A model picked out of hundreds of tuning runs by its validation score; the test set disagrees.

Kaggle's "public leaderboard shake-up" and Cross Validated's "my test error is much worse than my
validation error after hyper-parameter search": the validation set was used to choose among so many
configurations that it was over-fitted itself.  The run's curves (data/tuned_run_history.csv) show
validation error 0.05, test error 0.19.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler


def subject():
    torch.manual_seed(0)
    X, y = make_classification(n_samples=1200, n_features=20, n_informative=8, random_state=3)
    X = StandardScaler().fit_transform(X)
    model = nn.Sequential(nn.Linear(20, 96), nn.ReLU(), nn.Dropout(0.15), nn.Linear(96, 2))  # trial #287
    data = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    return {"model": model, "train_data": DataLoader(data, batch_size=64, shuffle=True),
            "loss_fn": nn.CrossEntropyLoss(), "history": "data/tuned_run_history.csv",
            "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3)}
