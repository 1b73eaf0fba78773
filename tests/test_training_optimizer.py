"""probes.training.make_optimizer on a copy of the model: every torch.optim optimizer the user hands over
is rebuilt with its own hyper-parameters (AdamW's extra default must not break the copy)."""
import pytest
import torch

from dldoctor.expert.subject import Subject
from dldoctor.probes.training import make_optimizer

OPTIMIZERS = [
    (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4}),
    (torch.optim.Adam, {"lr": 2e-3, "betas": (0.8, 0.99)}),
    (torch.optim.AdamW, {"lr": 2e-3, "weight_decay": 0.05}),
    (torch.optim.RMSprop, {"lr": 1e-3, "alpha": 0.9}),
    (torch.optim.Adagrad, {"lr": 0.02}),
    (torch.optim.NAdam, {"lr": 1e-3}),
    (torch.optim.RAdam, {"lr": 1e-3}),
    (torch.optim.Adamax, {"lr": 1e-3}),
]


@pytest.mark.parametrize("cls,kw", OPTIMIZERS, ids=[c.__name__ for c, _ in OPTIMIZERS])
def test_a_copy_gets_the_same_kind_of_optimizer(cls, kw):
    model = torch.nn.Linear(4, 2)
    subject = Subject(model=model, train_data=[], loss_fn=torch.nn.MSELoss(), optimizer=cls(model.parameters(), **kw))
    copy = torch.nn.Linear(4, 2)
    built = make_optimizer(subject, copy)
    assert type(built) is cls and built is not subject.optimizer
    assert [id(p) for p in built.param_groups[0]["params"]] == [id(p) for p in copy.parameters()]
    for k, v in kw.items():
        assert built.param_groups[0][k] == v
