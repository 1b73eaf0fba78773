"""Subjects from the frameworks people train with: a ``LightningModule`` (or a ``(module, datamodule)``
pair, or a LightningModule class that builds with no arguments) and a ``transformers.Trainer``.

``as_subject(value)`` returns the subject dict that drives the framework's own code, bugs and all, or
None when the value is none of these (it raises ``FrameworkError`` for one that cannot be used, with
the reason).  The optimizer is a factory: for the framework's own model it builds what the framework
would (``configure_optimizers`` with its schedulers; the Trainer's optimizer, weight-decay groups and
schedule), for a copy of the model (probes that train copies) an optimizer of the same class and
settings.  Schedulers are stepped by the subject's train_step (``Schedules``), as the framework would.
"""
from __future__ import annotations


class FrameworkError(Exception):
    """A framework object that cannot be diagnosed; ``str()`` is the reason (after 'returned ...')."""


def _mro_names(value) -> set[str]:
    cls = value if isinstance(value, type) else type(value)
    return {c.__name__ for c in getattr(cls, "__mro__", ())}


def as_subject(value) -> dict | None:
    names = _mro_names(value)
    if isinstance(value, type) and "LightningModule" in names:
        try:
            value = value()
        except TypeError as exc:
            raise FrameworkError(f"the class {value.__name__}, which cannot be built without arguments ({exc}); "
                                 "return an instance") from None
        names = _mro_names(value)
    if "LightningModule" in names:
        from dldoctor.probes.lightning_subject import lightning_subject

        return lightning_subject(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        kinds = [_mro_names(v) for v in value]
        if "LightningModule" in kinds[0] and "LightningDataModule" in kinds[1]:
            from dldoctor.probes.lightning_subject import lightning_subject

            return lightning_subject(value[0], value[1])
    if "Trainer" in names and type(value).__module__.startswith("transformers"):
        return trainer_subject(value)
    if "Trainer" in names and any(c.__module__.startswith("transformers") for c in type(value).__mro__):
        return trainer_subject(value)
    return None


class Schedules:
    """Learning-rate schedulers attached to an optimizer, stepped after each optimizer step:
    ``(scheduler, every)`` steps the scheduler every ``every`` optimizer steps."""

    def __init__(self, entries):
        self.entries, self.steps = list(entries), 0

    def tick(self) -> None:
        self.steps += 1
        for scheduler, every in self.entries:
            if every and self.steps % every == 0:
                scheduler.step()


def tick(optimizer) -> None:
    schedules = getattr(optimizer, "_dldoctor_schedules", None)
    if schedules is not None:
        schedules.tick()


def same_params(params, model) -> bool:
    own = [id(p) for p in model.parameters()]
    return [id(p) for p in params] == own


def copy_of(template, params):
    """An optimizer of ``template``'s class and first group's settings on other parameters."""
    defaults = dict(template.defaults)
    group = template.param_groups[0]
    defaults.update({k: v for k, v in group.items() if k in defaults})
    if "initial_lr" in group:  # a scheduler has already moved lr: the configured value
        defaults["lr"] = group["initial_lr"]
    return type(template)(params, **defaults)


def trainer_subject(trainer) -> dict:
    """A ``transformers.Trainer``: its model, dataloaders (collator, batch size, column removal as
    it does them), optimizer and schedule settings, and ``compute_loss`` in each training step."""
    import torch

    from dldoctor.probes.model_output import ModelLoss

    args, model = trainer.args, trainer.model
    if trainer.train_dataset is None:
        raise FrameworkError("a transformers.Trainer without a train_dataset")
    train = trainer.get_train_dataloader()
    val = trainer.get_eval_dataloader() if trainer.eval_dataset is not None else None
    cls, kwargs = trainer.get_optimizer_cls_and_kwargs(args, model)
    total = args.max_steps if args.max_steps and args.max_steps > 0 else max(1, int(args.num_train_epochs * len(train)))

    def optimizer(params):
        params = list(params)
        if not same_params(params, model):
            return cls(params, **dict(kwargs, weight_decay=args.weight_decay))
        decay = set(trainer.get_decay_parameter_names(model))
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = [{"params": [p for n, p in named if n in decay], "weight_decay": args.weight_decay},
                  {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0}]
        built = cls([g for g in groups if g["params"]], **kwargs)
        from transformers import get_scheduler

        scheduler = get_scheduler(args.lr_scheduler_type, built, num_warmup_steps=args.get_warmup_steps(total),
                                  num_training_steps=total, scheduler_specific_kwargs=args.lr_scheduler_kwargs or {})
        built._dldoctor_schedules = Schedules([(scheduler, 1)])
        return built

    def train_step(m, batch, opt, loss_fn):
        m.train()
        opt.zero_grad()
        loss = trainer.compute_loss(m, batch)
        loss.backward()
        if args.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(m.parameters(), args.max_grad_norm)
        opt.step()
        tick(opt)
        return loss

    labels = list(trainer.label_names or ["labels"])
    subject = {"model": model, "train_data": train, "optimizer": optimizer, "train_step": train_step,
               "loss_fn": trainer.compute_loss_func and _loss_func(trainer.compute_loss_func) or ModelLoss.for_model(model),
               "target_key": labels[0]}
    if val is not None:
        subject["val_data"] = val
    state = _trainer_state(args.output_dir)
    if state is not None:  # a run already made into this output_dir: its logged curves
        subject["history"] = state
    return subject


def _trainer_state(output_dir) -> str | None:
    """The newest trainer_state.json in output_dir (the final one, else the latest checkpoint's)."""
    import glob
    import os

    if not output_dir:
        return None
    final = os.path.join(output_dir, "trainer_state.json")
    if os.path.isfile(final):
        return os.path.abspath(final)
    found = glob.glob(os.path.join(output_dir, "checkpoint-*", "trainer_state.json"))

    def step(path: str) -> int:
        number = path.rsplit("checkpoint-", 1)[1].split(os.sep)[0]
        return int(number) if number.isdigit() else -1

    return os.path.abspath(max(found, key=step)) if found else None


def _loss_func(fn):
    """The Trainer's ``compute_loss_func(outputs, labels, num_items_in_batch)`` as a loss_fn."""
    def loss_fn(outputs, targets):
        return fn(outputs, targets, num_items_in_batch=None)

    loss_fn.__name__ = getattr(fn, "__name__", "compute_loss_func")
    return loss_fn
