"""A hand-written training step without ``optimizer.zero_grad()``: gradients pile up."""
from dldoctor.examples.builtin.digits_data import digits_subject
from dldoctor.examples.builtin.faults import missing_zero_grad


def subject():
    import torch

    return digits_subject(train_step=missing_zero_grad,
                          optimizer=lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9))
