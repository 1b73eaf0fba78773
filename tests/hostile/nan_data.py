import torch

from hostile_base import data, loader, setup


def subject():
    x, y = data()
    x[::7, 2] = float("nan")  # missing values read as NaN
    return setup(train_data=loader(x, y))
