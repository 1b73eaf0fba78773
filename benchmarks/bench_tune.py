"""`dldoctor tune` beside Lightning's lr_find and plain random search, same targets, same step budget.

    python benchmarks/bench_tune.py [--trials 20] [--steps 300] [--seeds 3] [TARGET ...]

For each target:
- dldoctor tune: ``--trials`` trials of ``--steps`` steps (coarse -> fine -> TPE, pruned), in a worker;
- lr_find: Lightning's learning-rate finder (100 steps, 1e-6..10) on the subject's model and
  optimizer class, its suggestion trained for ``--steps`` steps; the other settings as given;
- random: ``--trials`` trials of ``--steps`` steps drawn uniformly (log-uniform) from the same space
  as tune's, no pruning, the best kept.
Each method's settings are then re-measured the same way (a fresh copy trained for ``--steps`` steps,
validated as tune validates) over ``--seeds`` seeds (100, 101, ...: none of them a seed any method
chose its settings on); the table shows the mean and the training steps
each method spent finding its settings.  Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = [str(ROOT / "tests" / "tune_targets" / "sgd_too_hot.py"), str(ROOT / "examples" / "builtin" / "lr_too_high.py"),
           str(ROOT / "tests" / "tune_targets" / "adam_too_low.py"), str(ROOT / "tests" / "tune_targets" / "regression.py")]


def tuner(target: str, steps: int, seed: int):
    from dldoctor.expert.target import load
    from dldoctor.probes.context import ProbeContext
    from dldoctor.probes.tuning.study import Tuner

    subject = load(target)
    return subject, Tuner(subject, ProbeContext(), {"trials": 1, "steps": steps, "seed": seed})


def remeasure(target: str, values: dict, steps: int, seeds: int) -> float:
    out = []
    for seed in range(100, 100 + seeds):  # not the seeds tune selects on (0, 1, 2): out of sample for every method
        _, t = tuner(target, steps, seed)
        out.append(t.measure(values)["value"])
    return statistics.mean(out)


def by_tune(target: str, trials: int, steps: int) -> tuple[dict, int]:
    from dldoctor.expert.tune import tune

    s = tune(target, trials=trials, steps=steps)
    return s["best"]["params"], s["steps_spent"]


def by_random(target: str, trials: int, steps: int) -> tuple[dict, int]:
    import optuna

    from dldoctor.probes.tuning.space import values_of

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    _, t = tuner(target, steps, 0)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    spent = 0
    for _ in range(trials):
        trial = study.ask({p.key: p.distribution() for p in t.space})
        values = values_of(trial.params, t.space)
        record = t.measure(values)
        spent += record["steps"]
        study.tell(trial, record["value"])
        if study.best_trial.number == trial.number:
            best = values
    return best, spent


def by_lr_find(target: str, steps: int) -> tuple[dict, int]:
    import lightning as L
    import torch
    from lightning.pytorch.tuner import Tuner

    from dldoctor.probes.tuning.trial import fresh_optimizer

    subject, t = tuner(target, steps, 0)
    opt = fresh_optimizer(subject, subject.model, subject.model)
    kwargs = {k: v for k, v in opt.param_groups[0].items() if k != "params" and k in opt.defaults and k != "decoupled_weight_decay"}

    class Wrap(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.model, self.lr = subject.model, float(kwargs["lr"])

        def training_step(self, batch, _):
            x, y = batch[0], batch[1]
            return subject.loss_fn(self.model(x), y)

        def configure_optimizers(self):
            return type(opt)(self.parameters(), **{**kwargs, "lr": self.lr})

    train = t.train_loader
    if not isinstance(train, torch.utils.data.DataLoader):
        train = torch.utils.data.DataLoader(list(train), batch_size=None)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:  # lr_find writes a checkpoint where it runs
        trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, max_steps=200, default_root_dir=tmp)
        found = Tuner(trainer).lr_find(Wrap(), train_dataloaders=train, min_lr=1e-6, max_lr=10.0, num_training=100)
    lr = found.suggestion() if found is not None else None
    return ({"lr": float(f"{lr:.3g}")} if lr else {}), 100


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("targets", nargs="*", default=TARGETS)
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    import logging
    import warnings

    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    rows = []
    for target in args.targets:
        name = Path(target).stem
        _, t = tuner(target, args.steps, 0)
        given = remeasure(target, {}, args.steps, args.seeds)
        rows.append((name, "as given", given, 0, 0.0, t.metric, ""))
        for method, fn in (("dldoctor tune", lambda: by_tune(target, args.trials, args.steps)),
                           ("lr_find", lambda: by_lr_find(target, args.steps)),
                           ("random search", lambda: by_random(target, args.trials, args.steps))):
            t0 = time.perf_counter()
            values, spent = fn()
            seconds = time.perf_counter() - t0
            value = remeasure(target, values, args.steps, args.seeds)
            shown = " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
            rows.append((name, method, value, spent, seconds, t.metric, shown))
            print(f"{name}: {method}: {t.metric} {value:.4f} · {spent} steps · {seconds:.0f} s · {shown}", file=sys.stderr, flush=True)
    print(f"\n{'target':<14} {'method':<14} {'metric':<10} {'value':>8} {'steps spent':>12} {'s':>6}  settings")
    for name, method, value, spent, seconds, metric, shown in rows:
        print(f"{name:<14} {method:<14} {metric:<10} {value:>8.4f} {spent:>12} {seconds:>6.0f}  {shown}")
    print(f"\nvalues: mean over seeds 100..{99 + args.seeds} of a fresh copy trained {args.steps} steps with the method's settings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
