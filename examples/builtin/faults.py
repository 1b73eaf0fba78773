"""The built-in examples' faults, each written once: a function that takes a healthy part of a set-up
(a model, the data, the optimizer) and injects exactly one fault.  The examples inject them into the
healthy digits set-up of ``digits_data``; dldoctor's own tests inject the same functions into their
fixtures (tests/zoo/faults.py), so an example and its test cannot drift apart.
"""
from __future__ import annotations

RAW_PIXEL_SCALE = 255 / 16  # digits' 0..16 pixels as the 0..255 an 8-bit image holds, left unscaled


def ends_in(model, layer):
    """``model`` followed by ``layer``; a Sequential stays flat, so its layers keep their indices."""
    from torch import nn

    return nn.Sequential(*model, layer) if isinstance(model, nn.Sequential) else nn.Sequential(model, layer)


def softmax_output(model, dim: int = 1):
    """The model ends in a softmax: probabilities where CrossEntropyLoss expects logits (dim=0: over the batch)."""
    from torch import nn

    return ends_in(model, nn.Softmax(dim=dim))


def missing_zero_grad(model, batch, optimizer, loss_fn):
    """A hand-written training step without ``optimizer.zero_grad()``: gradients pile up."""
    inputs, targets = batch
    loss = loss_fn(model(inputs), targets)
    loss.backward()  # the fault: .grad still holds every earlier step's gradient
    optimizer.step()
    return loss.item()


def lr_too_high(lr: float = 2.0, momentum: float = 0.9):
    """An optimizer factory: SGD with momentum at a rate the loss cannot survive."""
    import torch

    return lambda params: torch.optim.SGD(params, lr=lr, momentum=momentum)


def freeze_body(model, head=None):
    """A freezing loop meant for one layer that froze every parameter outside ``head`` (default: the last child)."""
    head = head if head is not None else list(model.children())[-1]
    keep = {id(p) for p in head.parameters()}
    for param in model.parameters():
        if id(param) not in keep:
            param.requires_grad = False
    return model


def sort_by_class(X, y):
    """The rows sorted by label (stable), as a dataset written class by class holds them."""
    import numpy as np

    order = np.argsort(y, kind="stable")
    return X[order], y[order]


def raw_pixels(X):
    """digits' 0..16 pixel values as whole 0..255 values, unscaled (floats)."""
    import numpy as np

    return np.round(X * RAW_PIXEL_SCALE)
