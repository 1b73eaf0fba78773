"""A ``LightningModule`` (and its ``LightningDataModule``) as a subject, used as it is.

Its ``training_step`` is the subject's train_step (zero_grad, ``training_step(batch, i)``, backward,
optimizer step, schedulers: Lightning's automatic optimization); ``configure_optimizers`` builds the
optimizer and schedulers (every form Lightning accepts: an optimizer, a list, ``(optimizers,
schedulers)``, a dict with ``lr_scheduler``, a list of dicts; the first optimizer is used); its (or the
datamodule's) ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader`` give the data.  The loss
for probes that compute it from outputs is the module's own loss attribute when it has one
(``loss_fn``, ``criterion``, ``loss``), else the model-output rule of ``ModelLoss``.
``self.log`` outside a Trainer only warns; those warnings are silenced.
"""
from __future__ import annotations

import warnings

from dldoctor.probes.frameworks import FrameworkError, Schedules, copy_of, same_params, tick

LOSS_ATTRIBUTES = ("loss_fn", "criterion", "loss_func", "loss_function", "loss")


def lightning_subject(module, datamodule=None) -> dict:
    from dldoctor.probes.model_output import ModelLoss

    if not getattr(module, "automatic_optimization", True):
        raise FrameworkError(f"the LightningModule {type(module).__name__} with manual optimization "
                             "(automatic_optimization = False): its training_step steps the optimizers itself, which needs a Trainer")
    source = datamodule if datamodule is not None else module
    if datamodule is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            datamodule.prepare_data()
            datamodule.setup("fit")
    train = _loader(source, "train_dataloader")
    if train is None:
        raise FrameworkError(f"the {type(source).__name__} without a train_dataloader(); "
                             "return (module, datamodule) or a dict subject with train_data")
    template, _ = parse(module.configure_optimizers(), module)
    epoch = _length(train)

    def optimizer(params):
        params = list(params)
        if not same_params(params, module):
            return copy_of(template, params)
        built, schedules = parse(module.configure_optimizers(), module)
        built._dldoctor_schedules = Schedules((s, every if unit == "step" else every * (epoch or 1)) for s, unit, every in schedules)
        return built

    count = [0]

    def train_step(model, batch, opt, loss_fn):
        model.train()
        opt.zero_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = model.training_step(batch, count[0])
        count[0] += 1
        loss = out.get("loss") if isinstance(out, dict) else out
        if loss is None:
            raise TypeError("training_step returned None (the batch was skipped): no loss to train on")
        loss.backward()
        opt.step()
        tick(opt)
        return loss

    own = next((getattr(module, a) for a in LOSS_ATTRIBUTES
                if callable(getattr(module, a, None)) and not _is_method(module, a)), None)
    subject = {"model": module, "train_data": train, "optimizer": optimizer, "train_step": train_step,
               "loss_fn": own if own is not None else ModelLoss()}
    for split, hook in (("val_data", "val_dataloader"), ("test_data", "test_dataloader")):
        loader = _loader(source, hook)
        if loader is not None:
            subject[split] = loader
    return subject


def _is_method(module, name: str) -> bool:
    import inspect

    return inspect.ismethod(getattr(module, name, None))


def _loader(source, hook: str):
    """The loader a dataloader hook returns when the class overrides it (the first of a list)."""
    fn = getattr(type(source), hook, None)
    base = next((getattr(c, hook) for c in type(source).__mro__
                 if c.__name__ in ("LightningModule", "LightningDataModule", "DataHooks") and hook in vars(c)), None)
    if fn is None or fn is base:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loader = getattr(source, hook)()
    if isinstance(loader, (list, tuple)):
        loader = loader[0] if loader else None
    elif isinstance(loader, dict):
        loader = next(iter(loader.values()), None)
    return loader


def _length(loader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None


def parse(conf, module):
    """(first optimizer, [(scheduler, "step"|"epoch", frequency)]) from configure_optimizers' answer."""
    import torch

    Optimizer = torch.optim.Optimizer
    if conf is None:
        raise FrameworkError(f"the LightningModule {type(module).__name__} whose configure_optimizers() returns None")
    schedulers = []
    if isinstance(conf, Optimizer):
        return conf, []
    if isinstance(conf, dict):
        opt = conf.get("optimizer")
        if conf.get("lr_scheduler") is not None:
            schedulers.append(conf["lr_scheduler"])
    elif isinstance(conf, (list, tuple)) and conf and isinstance(conf[0], dict):
        return parse(conf[0], module)
    elif isinstance(conf, (list, tuple)) and len(conf) == 2 and isinstance(conf[0], (list, tuple)):
        opt = conf[0][0] if conf[0] else None
        schedulers.extend(conf[1] if isinstance(conf[1], (list, tuple)) else [conf[1]])
    elif isinstance(conf, (list, tuple)) and conf and isinstance(conf[0], Optimizer):
        opt = conf[0]
    else:
        opt = None
    if not isinstance(opt, Optimizer):
        raise FrameworkError(f"the LightningModule {type(module).__name__} whose configure_optimizers() gives no optimizer "
                             f"({type(conf).__name__})")
    entries = []
    for s in schedulers:
        entry = s if isinstance(s, dict) else {"scheduler": s}
        sched = entry.get("scheduler")
        if sched is None or type(sched).__name__ == "ReduceLROnPlateau" or getattr(sched, "optimizer", opt) is not opt:
            continue  # a plateau scheduler needs a monitored metric; another optimizer's is not ours
        entries.append((sched, entry.get("interval", "epoch"), int(entry.get("frequency", 1))))
    return opt, entries
