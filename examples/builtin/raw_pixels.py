"""Pixels fed as 0..255 (as an 8-bit image holds them) without scaling, trained with SGD."""
from dldoctor.examples.builtin.digits_data import digits_subject
from dldoctor.examples.builtin.faults import RAW_PIXEL_SCALE


def subject():
    import torch

    return digits_subject(scale=RAW_PIXEL_SCALE,
                          optimizer=lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9))
