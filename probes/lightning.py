"""Watch mode for a PyTorch Lightning Trainer: ``DldoctorWatch``, a Callback over ``probes.watch``.

    from dldoctor.probes.lightning import DldoctorWatch

    trainer = L.Trainer(callbacks=[DldoctorWatch(record="run.jsonl", every=10)])

Each training batch is one ``w.step`` (its loss from ``training_step``'s output); the batch's arrival
(``on_train_batch_start``) marks the end of the wait for data; each validation (not the sanity check)
is one ``w.eval`` with the logged metrics whose names start with ``val``.  The watch is closed, and
its hooks removed, when training ends or fails.  Requires ``lightning`` (or ``pytorch_lightning``).
"""
from __future__ import annotations

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # the older package name
    from pytorch_lightning.callbacks import Callback

from dldoctor.probes.watch import Watch


class DldoctorWatch(Callback):
    """Records a Lightning run for ``dldoctor diagnose --record`` and warns early (see probes/watch.py)."""

    def __init__(self, record=None, every: int = 10, **options):
        super().__init__()
        self.record, self.every, self.options = record, every, options
        self.watch: Watch | None = None

    def on_train_start(self, trainer, pl_module) -> None:
        optimizer = trainer.optimizers[0] if trainer.optimizers else None
        self.watch = Watch(pl_module, optimizer, record=self.record, every=self.every, **self.options).start()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.watch is not None:
            self.watch.data_ready()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.watch is not None:
            loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
            self.watch.step(loss)

    def on_validation_end(self, trainer, pl_module) -> None:
        if self.watch is None or trainer.sanity_checking:
            return
        metrics = {k: v for k, v in trainer.callback_metrics.items() if k.startswith("val")}
        if metrics:
            self.watch.eval(metrics)

    def on_train_end(self, trainer, pl_module) -> None:
        self._close()

    def on_exception(self, trainer, pl_module, exception) -> None:
        self._close(exception)

    def _close(self, exc=None) -> None:
        if self.watch is not None:
            self.watch.close(exc)
