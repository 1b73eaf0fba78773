"""Training steps of a whole diagnosis against Lightning's learning-rate finder, on the same model.

The built-in healthy digits MLP (64-128-10, Adam 1e-3, batch 64): ``dldoctor diagnose`` in-process
(``diagnose(subject)``), the steps each probe trained (``probes[].steps``) and the total
(``steps_total``), beside ``lightning.pytorch.tuner.Tuner.lr_find`` with its defaults (100 steps)
on the same model and loader, counted by a callback.  Seconds are CPU seconds of this process on
one thread (a loaded machine stretches wall time, not the steps).

    python benchmarks/bench_steps.py [--seeds 0 1 2]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("DLDOCTOR_THREADS", "1")


def diagnosis_steps(seed: int) -> tuple[dict, int, float]:
    from dldoctor.examples.builtin.digits_data import digits_subject
    from dldoctor.expert.diagnosis import diagnose

    t0 = time.process_time()
    report = diagnose(digits_subject(), seed=seed, budget=600, probe_timeout=300)
    return {p["id"]: p["steps"] for p in report.probes if p["steps"]}, report.steps_total, time.process_time() - t0


def lr_find_steps() -> tuple[int, float]:
    import lightning.pytorch as pl
    import torch
    from lightning.pytorch.tuner import Tuner

    from dldoctor.examples.builtin.digits_data import digits_subject

    s = digits_subject()

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.model, self.lr = s["model"], 1e-3

        steps = 0

        def training_step(self, batch, _):
            Module.steps += 1
            x, y = batch
            return s["loss_fn"](self.model(x), y)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.lr)

    import tempfile

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as root:  # lr_find writes a checkpoint in the trainer's folder
        trainer = pl.Trainer(accelerator="cpu", max_epochs=50, logger=False, enable_checkpointing=False, default_root_dir=root,
                             enable_progress_bar=False, enable_model_summary=False)
        t0 = time.process_time()
        Tuner(trainer).lr_find(Module(), train_dataloaders=s["train_data"])
        return Module.steps, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    found, found_s = lr_find_steps()
    print(f"{'':28} {'training steps':>14} {'CPU s':>7}")
    print(f"{'Lightning lr_find (alone)':28} {found:>14} {found_s:>7.1f}")
    for seed in args.seeds:
        per, total, secs = diagnosis_steps(seed)
        print(f"{'dldoctor diagnose, seed ' + str(seed):28} {total:>14} {secs:>7.1f}   " +
              ", ".join(f"{k} {v}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])))
    print("goal: the whole diagnosis <= 400 steps")


if __name__ == "__main__":
    main()
