"""Watch mode for a Hugging Face ``transformers.Trainer``: ``DldoctorCallback``, a TrainerCallback over
``probes.watch`` (the same machinery as the Lightning callback, probes/lightning.py).

    from dldoctor.probes.hf_watch import DldoctorCallback

    trainer = Trainer(..., callbacks=[DldoctorCallback(record="run.jsonl", every=10)])

Each optimizer step (``on_optimizer_step``: the gradients are still there) is one ``w.step`` with
the loss of the step's last training forward (read from
the model's output, ``.loss``, by a forward hook: the Trainer hands callbacks no loss); the start of a
step marks the end of the wait for data; each evaluation is one ``w.eval`` with its metrics, the
Trainer's ``eval_`` prefix written ``val_``.  The watch is closed, and its hooks removed, when
training ends.  Requires ``transformers``.
"""
from __future__ import annotations

import torch
from transformers import TrainerCallback

from dldoctor.probes.model_output import loss_of
from dldoctor.probes.watch import Watch


class DldoctorCallback(TrainerCallback):
    """Records a Trainer run for ``dldoctor diagnose --record`` and warns early (see probes/watch.py)."""

    def __init__(self, record=None, every: int = 10, **options):
        self.record, self.every, self.options = record, every, options
        self.watch: Watch | None = None
        self._loss, self._hook = None, None

    def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
        inner = getattr(optimizer, "optimizer", None)  # accelerate's AcceleratedOptimizer wraps the torch one
        optimizer = inner if isinstance(inner, torch.optim.Optimizer) else optimizer
        self.watch = Watch(model, optimizer, record=self.record, every=self.every, **self.options).start()
        self._hook = model.register_forward_hook(self._seen)

    def _seen(self, module, inputs, output) -> None:
        if module.training:
            loss = loss_of(output)
            self._loss = loss.detach() if loss is not None else self._loss

    def on_step_begin(self, args, state, control, **kwargs):
        if self.watch is not None:
            self.watch.data_ready()

    def on_optimizer_step(self, args, state, control, **kwargs):  # after optimizer.step(), before zero_grad
        if self.watch is not None:
            self.watch.step(self._loss)
            self._loss = None

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if self.watch is None or not metrics:
            return
        renamed = {("val_" + k[5:] if k.startswith("eval_") else k): v for k, v in metrics.items()
                   if isinstance(v, (int, float)) and not k.endswith(("_runtime", "_per_second"))}
        if renamed:
            self.watch.eval(renamed)

    def on_train_end(self, args, state, control, **kwargs):
        self._close()

    def _close(self, exc=None) -> None:
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
        if self.watch is not None:
            self.watch.close(exc)
            self.watch = None
