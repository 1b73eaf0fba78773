"""The model ends in ``nn.Softmax`` while ``nn.CrossEntropyLoss`` expects logits."""
from dldoctor.examples.builtin.digits_data import digits_subject


def subject():
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))
    return digits_subject(model=model)
