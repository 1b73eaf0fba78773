"""A freezing loop meant for one layer that froze every layer but the output head."""
from dldoctor.examples.builtin.digits_data import digits_subject
from dldoctor.examples.builtin.faults import freeze_body


def subject():
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10))
    return digits_subject(model=freeze_body(model))  # meant: freeze only layer "0."
