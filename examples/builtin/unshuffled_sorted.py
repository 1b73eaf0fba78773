"""Training data sorted by class and loaded with ``shuffle=False``: every batch holds one class."""
from dldoctor.examples.builtin.digits_data import digits_subject


def subject():
    import torch

    return digits_subject(shuffle=False, sort_by_class=True,
                          optimizer=lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9))
