"""Healthy control: validation every 20 steps inside the training step, wrapped in eval()/no_grad() and followed by
train(), with the best validation accuracy tracked (the pattern of vsepp after its fix).
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

VAL_EVERY = 20


def subject():
    torch.manual_seed(0)
    X, y = load_wine(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    ds = lambda a, b: TensorDataset(torch.tensor(sc.transform(a), dtype=torch.float32), torch.tensor(b))
    val_loader = DataLoader(ds(X_val, y_val), batch_size=64)
    state = {"step": 0, "best": 0.0}

    def validate(model):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            correct = sum((model(x).argmax(1) == t).sum().item() for x, t in val_loader)
        model.train(was_training)
        return correct / len(val_loader.dataset)

    def train_step(model, batch, optimizer, loss_fn):
        x, t = batch
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        state["step"] += 1
        if state["step"] % VAL_EVERY == 0:
            state["best"] = max(state["best"], validate(model))
        return loss.item()

    model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 3))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=16, shuffle=True),
            "val_data": val_loader, "loss_fn": nn.CrossEntropyLoss(), "train_step": train_step,
            "optimizer": lambda p: torch.optim.Adam(p, lr=1e-3)}
