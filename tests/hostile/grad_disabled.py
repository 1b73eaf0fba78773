"""The target switches autograd off for good (a leftover from an evaluation script)."""
import torch

from hostile_base import setup


def subject():
    torch.set_grad_enabled(False)
    return setup()
