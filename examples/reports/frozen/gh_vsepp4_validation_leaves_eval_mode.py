"""Source: https://github.com/fartashf/vsepp/issues/4 ("Finish validation without running model.train()")

Validation runs every val_step iterations and switches the model to eval mode, but nothing switches it back
until the next epoch: dropout and batch norm are active only for the first val_step steps of each epoch.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

VAL_STEP = 5


def subject():
    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    ds = lambda a, b: TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b))
    val_loader = DataLoader(ds(X_val, y_val), batch_size=256)
    state = {"iters": 0}

    def validate(model):
        model.eval()  # val_start(); no val_end()/train_start() afterwards
        with torch.no_grad():
            return sum((model(x).argmax(1) == t).sum().item() for x, t in val_loader)

    def train_step(model, batch, optimizer, loss_fn):
        x, t = batch
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        state["iters"] += 1
        if state["iters"] % VAL_STEP == 0:
            validate(model)
        return loss.item()

    model = nn.Sequential(nn.Linear(64, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=32, shuffle=True),
            "val_data": val_loader, "loss_fn": nn.CrossEntropyLoss(), "train_step": train_step,
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
