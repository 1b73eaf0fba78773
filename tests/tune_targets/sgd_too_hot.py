"""SGD at a learning rate far too high (5) with a heavy weight decay (0.05) on a tiny digits MLP: what
`dldoctor tune` must repair (issue 19's acceptance case)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
    t = lambda a, dt: torch.tensor(a, dtype=dt)
    return (TensorDataset(t(X_tr, torch.float32), t(y_tr, torch.long)), TensorDataset(t(X_val, torch.float32), t(y_val, torch.long)))


def subject():
    torch.manual_seed(0)
    train, val = data()
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return {
        "model": model,
        "train_data": DataLoader(train, batch_size=32, shuffle=True),
        "val_data": DataLoader(val, batch_size=256),
        "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": torch.optim.SGD(model.parameters(), lr=5.0, momentum=0.9, weight_decay=0.05),
    }


def no_val():
    s = subject()
    del s["val_data"]
    return s
