"""Each fault written once: a function that takes a healthy subject or one of its parts (model, data,
optimizer, step) and injects exactly one fault.  Some are healthy in another combination (log-softmax
into NLLLoss, a sigmoid into BCELoss): the probes' tests use them both ways.

The built-in examples' faults come from the installed package (``dldoctor.examples.builtin.faults``),
so ``dldoctor diagnose --example NAME`` and these tests inject the very same code.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dldoctor.examples.builtin.faults import (RAW_PIXEL_SCALE, ends_in, freeze_body, lr_too_high, missing_zero_grad,
                                              raw_pixels, softmax_output, sort_by_class)

__all__ = [  # the built-in examples' faults, then the tests' own
    "RAW_PIXEL_SCALE", "ends_in", "freeze_body", "lr_too_high", "missing_zero_grad", "raw_pixels", "softmax_output",
    "sort_by_class", "log_softmax_output", "sigmoid_output", "negated_cross_entropy", "large_init", "head_only_optimizer",
    "dead_biases", "zero_grad_after_backward", "uint8_inputs", "nan_at", "shuffled_labels", "split_by_class",
]


# -- the model's output and the loss -------------------------------------------------------------------------------
def log_softmax_output(model, dim: int = 1):
    """The model ends in a log-softmax: right for NLLLoss, log-probabilities for CrossEntropyLoss."""
    return ends_in(model, nn.LogSoftmax(dim=dim))


def sigmoid_output(model):
    """The model ends in a sigmoid: right for BCELoss, probabilities for BCEWithLogitsLoss."""
    return ends_in(model, nn.Sigmoid())


def negated_cross_entropy(outputs, targets):
    """A loss with its sign flipped: the optimizer raises the cross-entropy."""
    return -F.cross_entropy(outputs, targets)


# -- the weights and the optimizer -------------------------------------------------------------------------------------
def large_init(model, std: float):
    """Every linear layer's weights redrawn from N(0, std^2), far from the fan-in scale."""
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                layer.weight.normal_(0, std)
    return model


def dead_biases(layers, value: float = -100.0):
    """The biases of these linear / conv layers set far below zero: the ReLUs after them never fire."""
    with torch.no_grad():
        for layer in layers:
            if isinstance(layer, (nn.Linear, nn.Conv2d)):
                layer.bias.fill_(value)
    return layers


def head_only_optimizer(model, lr: float = 1e-3):
    """Adam over the last layer only: the rest of the model is missing from the optimizer."""
    return torch.optim.Adam(model[-1].parameters(), lr=lr)


# -- the training step ---------------------------------------------------------------------------------------------------
def zero_grad_after_backward(model, batch, optimizer, loss_fn):
    """``zero_grad`` between backward and step: the step never sees a gradient."""
    loss = loss_fn(model(batch[0]), batch[1])
    loss.backward()
    optimizer.zero_grad()  # wipes the gradients: the step does nothing
    optimizer.step()
    return loss


# -- the data ----------------------------------------------------------------------------------------------------------------
def uint8_inputs(x):
    """Inputs scaled to 0..1 handed over as 0..255 uint8 (as images are stored) to a float model."""
    return (x * 255).to(torch.uint8)


def nan_at(x, row: int, col: int):
    """A NaN written into the inputs (an array or a tensor, in place) at one row and column."""
    x[row, col] = float("nan")
    return x


def shuffled_labels(y, seed: int):
    """The labels permuted apart from their rows: nothing left to learn."""
    return np.random.default_rng(seed).permutation(y)


def split_by_class(X, y, first: int = 5):
    """Train on the classes below ``first``, evaluate on the rest: (X, y) pairs with disjoint labels."""
    return (X[y < first], y[y < first]), (X[y >= first], y[y >= first])
