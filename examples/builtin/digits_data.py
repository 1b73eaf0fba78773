"""The data and model shared by the built-in examples: sklearn's bundled 8x8 digits, an MLP."""
from __future__ import annotations


def digits_arrays(scale: float = 1 / 16, test_size: float = 0.25):
    """Train and validation arrays (pixels times ``scale``), stratified, always the same split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X * scale, y, test_size=test_size, random_state=0, stratify=y)


def loader(X, y, batch_size: int = 64, shuffle: bool = True):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle)


def mlp(hidden: int = 128):
    from torch import nn

    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def digits_subject(model=None, scale: float = 1 / 16, shuffle: bool = True, sort_by_class: bool = False, **extra):
    """A digits subject dict; ``extra`` keys (optimizer, loss_fn, train_step...) override the defaults."""
    import torch
    from torch import nn

    from dldoctor.examples.builtin.faults import sort_by_class as sort_rows

    torch.manual_seed(0)
    X_tr, X_val, y_tr, y_val = digits_arrays(scale)
    if sort_by_class:
        X_tr, y_tr = sort_rows(X_tr, y_tr)
    subject = {
        "model": model if model is not None else mlp(),
        "train_data": loader(X_tr, y_tr, shuffle=shuffle),
        "val_data": loader(X_val, y_val, batch_size=256, shuffle=False),
        "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
    }
    subject.update(extra)
    return subject
