"""SGD with momentum at lr=2 on the digits MLP: the loss jumps, then sits at chance."""
from dldoctor.examples.builtin.digits_data import digits_subject


def subject():
    import torch

    return digits_subject(optimizer=lambda params: torch.optim.SGD(params, lr=2.0, momentum=0.9))
