"""The model ends in ``nn.Softmax`` while ``nn.CrossEntropyLoss`` expects logits."""
from dldoctor.examples.builtin.digits_data import digits_subject, mlp
from dldoctor.examples.builtin.faults import softmax_output


def subject():
    import torch

    torch.manual_seed(0)
    return digits_subject(model=softmax_output(mlp(hidden=128), dim=1))
