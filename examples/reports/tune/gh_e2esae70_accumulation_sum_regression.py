"""Source: https://github.com/ApolloResearch/e2e_sae/pull/70 ("Divide loss by grad accumulation steps": a change
had removed the division)

With the division removed, the summed gradient of the accumulated micro-batches is k times larger; on this
regression trained with plain SGD the loss explodes within the first steps.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

GRAD_ACCUM_STEPS = 16


def make_step():
    state = {"n": 0}

    def train_step(model, batch, optimizer, loss_fn):
        x, y = batch
        loss = loss_fn(model(x), y)
        loss.backward()
        state["n"] += 1
        if state["n"] % GRAD_ACCUM_STEPS == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return loss.detach().item()

    return train_step


def subject():
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    sx, sy = StandardScaler().fit(X_tr), StandardScaler().fit(y_tr.reshape(-1, 1))
    ds = lambda a, b: TensorDataset(torch.tensor(sx.transform(a), dtype=torch.float32),
                                    torch.tensor(sy.transform(b.reshape(-1, 1)), dtype=torch.float32))
    model = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 1))
    return {"model": model, "train_data": DataLoader(ds(X_tr, y_tr), batch_size=8, shuffle=True),
            "val_data": DataLoader(ds(X_val, y_val), batch_size=128), "loss_fn": nn.MSELoss(),
            "train_step": make_step(), "optimizer": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)}
