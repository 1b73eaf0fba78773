"""A hand-written training step without ``optimizer.zero_grad()``: gradients pile up."""
from dldoctor.examples.builtin.digits_data import digits_subject


def train_step(model, batch, optimizer, loss_fn):
    inputs, targets = batch
    loss = loss_fn(model(inputs), targets)
    loss.backward()  # the fault: .grad still holds every earlier step's gradient
    optimizer.step()
    return loss.item()


def subject():
    import torch

    return digits_subject(train_step=train_step,
                          optimizer=lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9))
