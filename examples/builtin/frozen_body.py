"""A freezing loop meant for one layer that froze every layer but the output head."""
from dldoctor.examples.builtin.digits_data import digits_subject


def subject():
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10))
    head = "4."
    for name, param in model.named_parameters():
        if not name.startswith(head):  # meant: freeze only layer "0."
            param.requires_grad = False
    return digits_subject(model=model)
