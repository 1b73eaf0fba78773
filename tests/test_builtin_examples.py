"""The built-in examples (``dldoctor examples``): each entry imports and returns a usable subject."""
from __future__ import annotations

import importlib

import pytest

from dldoctor.examples.builtin import EXAMPLES


def test_there_are_a_healthy_example_and_several_faulty_ones():
    assert "healthy-digits" in EXAMPLES and len(EXAMPLES) >= 6
    assert all(desc.strip() and mod.startswith("dldoctor.examples.builtin.") for mod, desc in EXAMPLES.values())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_returns_a_subject(name):
    import torch

    subject = importlib.import_module(EXAMPLES[name][0]).subject()
    assert {"model", "train_data", "loss_fn"} <= set(subject)
    assert isinstance(subject["model"], torch.nn.Module)
    inputs, targets = next(iter(subject["train_data"]))
    assert len(inputs) == len(targets)
