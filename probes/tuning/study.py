"""The tuning run of one worker: an Optuna study (in memory, or shared through a storage), asked and
told trial by trial, pruned on the validation metric, summarised as plain data.

``--trials N`` is the study's total: every worker (on this machine or another) asks for trials until
the study holds N; a trial asked past N by a race between workers is marked failed (``surplus``)
and left out.  The first worker to open a study records its settings (steps, seed, number of
trials, metric, space) in the study; later ones use those, so every trial is measured the same way.
Pruning: Optuna's MedianPruner (a trial whose validation metric at a checkpoint is worse than the
median of earlier trials at that step stops there), from the second checkpoint on, once five
trials have finished.
"""
from __future__ import annotations

import hashlib
import math
import socket

from dldoctor.probes.tuning import confirm, data, paste
from dldoctor.probes.tuning.space import discover, values_of
from dldoctor.probes.tuning.trial import (CHECKPOINTS, Evaluator, TrialError, apply, copy_model, fresh_optimizer, seed_all,
                                          train, unchanged, worst)

PRUNE_AFTER = 5  # finished trials before any is pruned: the median of fewer is noise
ATTR = "dldoctor"


def run(subject, ctx, config: dict) -> dict:
    import optuna

    from dldoctor.probes.snapshot import preserved

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with preserved(subject):
        try:
            return Tuner(subject, ctx, config).run()
        except (TrialError, ValueError) as exc:
            return {"error": str(exc)}
        except Exception as exc:  # the user's code failed before any trial (e.g. evaluating the model): evidence, not bad input
            from dldoctor.probes.run import _one_line

            return {"error": f"the subject crashed before the first trial: {_one_line(exc)} — `dldoctor diagnose` says why",
                    "crashed": True}


def _suggest(trial, p):
    d = p.distribution()
    if p.kind == "categorical":
        return trial.suggest_categorical(p.key, d.choices)
    if p.kind == "int":
        return trial.suggest_int(p.key, d.low, d.high, log=d.log, step=d.step)
    return trial.suggest_float(p.key, d.low, d.high, log=d.log, step=d.step)


class Tuner:
    def __init__(self, subject, ctx, config: dict):
        self.subject, self.ctx, self.cfg = subject, ctx, config
        self.steps, self.seed, self.trials = int(config["steps"]), int(config.get("seed", 0)), int(config["trials"])
        self.optimizer0 = fresh_optimizer(subject, copy_model(subject.model), subject.model)
        self.space, self.build = discover(subject, self.optimizer0, config.get("params"))
        self.train_loader, self.val_loader, self.validation = data.split(subject, self.seed)
        self.evaluate = Evaluator()
        self.evaluate(subject, subject.model, self.val_loader)  # settles the metric
        self.metric = self.evaluate.metric
        self.notes: list[str] = []
        self.checked = False

    # -- one measurement: a fresh copy with these values, trained and validated
    def measure(self, values: dict, report=None, seed: int | None = None) -> dict:
        """One fresh copy trained with ``values`` (the settings as given for {}), seeded by ``seed``
        (default: the study's)."""
        subject, original = self.subject, self.subject.model
        seed = self.seed if seed is None else seed
        declared = {p.name: values[p.name] for p in self.space if p.source == "declared" and p.name in values}
        seed_all(seed)
        if self.build is not None and declared:
            from dldoctor.expert.target import to_subject

            subject = to_subject(self.build(dict(declared)), "search_space build(params)")
            model, original = subject.model, subject.model
            train_loader, val_loader, _ = data.split(subject, seed)
        else:
            model, train_loader, val_loader = copy_model(original), self.train_loader, self.val_loader
        optimizer = fresh_optimizer(subject, model, original)
        apply(optimizer, {k: v for k, v in values.items() if k in ("lr", "weight_decay", "momentum", "betas")})
        train_loader = data.reseeded(data.with_batch_size(train_loader, values.get("batch_size"), seed), seed)
        before = copy_model(model) if subject.train_step is not None and not self.checked else None
        seed_all(seed)
        record = train(subject, model, optimizer, train_loader, self.steps,
                       lambda m: self.evaluate(subject, m, val_loader), worst(self.metric), report)
        if before is not None:
            self.checked = True
            if unchanged(model, before) and not record["diverged"]:
                raise TrialError("train_step did not change the model it was given (does it train a model of its own, "
                                 "from a closure?); tune trains fresh copies, so train_step must use its model argument")
        return record

    # -- the study
    def open(self):
        import optuna

        from dldoctor.probes.tuning.sampler import StagedSampler

        url = self.cfg.get("storage")
        storage = None
        if url:
            kw = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
            storage = optuna.storages.RDBStorage(url, engine_kwargs=kw)
        every = max(1, self.steps // CHECKPOINTS)
        pruner = optuna.pruners.MedianPruner(n_startup_trials=PRUNE_AFTER, n_warmup_steps=2 * every - 1)
        study = optuna.create_study(storage=storage, study_name=self.cfg.get("study"), direction="minimize",
                                    load_if_exists=True, pruner=pruner)
        mine = {"steps": self.steps, "seed": self.seed, "trials": self.trials, "metric": self.metric,
                "space": [p.name for p in self.space]}
        meta = study.user_attrs.get(ATTR)
        if meta is None:
            study.set_user_attr(ATTR, mine)
            meta = mine
        if meta["space"] != mine["space"] or meta["metric"] != mine["metric"]:
            raise TrialError(f"study '{study.study_name}' searches {', '.join(meta['space'])} by {meta['metric']}; this target "
                             f"gives {', '.join(mine['space'])} by {mine['metric']} — name another study with --study")
        for key in ("steps", "seed"):
            if meta[key] != mine[key]:
                self.notes.append(f"the study was started with --{key} {meta[key]}: its trials use that, not {mine[key]}")
        self.steps, self.seed = int(meta["steps"]), int(meta["seed"])
        self.host = f"{socket.gethostname()}:{self.cfg.get('worker', 0) + 1}"
        worker_seed = int(hashlib.sha256(f"{self.host}:{self.seed}".encode()).hexdigest()[:8], 16)
        study.sampler = StagedSampler({p.key: p.distribution() for p in self.space}, int(meta["trials"]), self.seed, worker_seed)
        return study

    def run(self) -> dict:
        import optuna

        study = self.open()
        if self.cfg.get("as_given"):
            self.ctx.progress(0.0, "as given: training the settings as they are")
            record = self.measure({})
            given = {"params": {p.name: p.given for p in self.space if p.source != "declared"},
                     self.metric: _finite(record["value"]), "steps": record["steps"], "diverged": record["diverged"]}
            study.set_user_attr("as_given", given)
            self.ctx.progress(0.0, f"as given: {self.metric} {_fmt(record['value'])}")
        while True:
            if self._count(study) >= self.trials:
                break
            trial = study.ask()
            if self._position(study, trial.number) >= self.trials:
                trial.set_user_attr("surplus", True)
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                break
            self._one(study, trial)
        if self.cfg.get("confirm", True):
            confirm.run(self, study)
        return self.summary(study)

    def _count(self, study) -> int:
        return sum(1 for t in study.get_trials(deepcopy=False) if not t.user_attrs.get("surplus"))

    def _position(self, study, number: int) -> int:
        return sum(1 for t in study.get_trials(deepcopy=False) if t.number < number and not t.user_attrs.get("surplus"))

    def _one(self, study, trial) -> None:
        import optuna

        stage = study.sampler.stage(trial.number)
        trial.set_user_attr("stage", stage)
        trial.set_user_attr("worker", self.host)
        values = values_of({p.key: _suggest(trial, p) for p in self.space}, self.space)
        trial.set_user_attr("used", values)
        shown = " ".join(f"{k}={_fmt(v)}" for k, v in values.items())

        def report(step, value, record):
            trial.report(value, step)
            self.ctx.progress(self._count(study) / self.trials, f"step {step}/{self.steps} of trial {trial.number + 1}: {self.metric} {_fmt(value)}")
            if trial.should_prune():
                trial.set_user_attr("steps", record["steps"])
                raise optuna.TrialPruned

        outcome = ""
        try:
            record = self.measure(values, report)
        except optuna.TrialPruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            outcome = "pruned"
        except TrialError:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        except Exception as exc:  # the user's code failed at these settings: the trial failed, the search goes on
            from dldoctor.probes.run import _one_line

            trial.set_user_attr("error", _one_line(exc))
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            outcome = f"failed: {_one_line(exc)}"
        else:
            trial.set_user_attr("steps", record["steps"])
            trial.set_user_attr("diverged", record["diverged"])
            study.tell(trial, record["value"])
            outcome = f"{self.metric} {_fmt(record['value'])}" + (" (diverged)" if record["diverged"] else "")
        best = _best(study)
        tail = f" · best {_fmt(best.value)}" if best is not None else ""
        self.ctx.progress(self._count(study) / self.trials, f"trial {trial.number + 1}/{self.trials} ({stage}): {shown} → {outcome}{tail}")

    def summary(self, study) -> dict:
        from optuna.trial import TrialState

        rows = []
        for t in study.get_trials(deepcopy=False):
            if t.user_attrs.get("surplus"):
                continue
            value = t.value if t.state == TrialState.COMPLETE else (t.intermediate_values[max(t.intermediate_values)]
                                                                     if t.intermediate_values else None)
            rows.append({"number": t.number, "stage": t.user_attrs.get("stage"), "state": t.state.name.lower(),
                         "params": t.user_attrs.get("used", {}), self.metric: _finite(value),
                         "steps": t.user_attrs.get("steps", 0 if t.state != TrialState.RUNNING else None),
                         "diverged": bool(t.user_attrs.get("diverged", False)), "worker": t.user_attrs.get("worker"),
                         "checkpoints": {str(k): _finite(v) for k, v in sorted(t.intermediate_values.items())},
                         **({"error": t.user_attrs["error"]} if "error" in t.user_attrs else {})})
        store = study.user_attrs.get("confirmed") or {}
        for r in rows:
            if str(r["number"]) in store:
                r["confirmed"] = [_finite(v) for v in store[str(r["number"])]["values"]]
        found = confirm.best(study)
        best_out = None
        if found is not None:
            best, value, values = found
            best_out = {"params": best.user_attrs.get("used", {}), self.metric: _finite(value), "trial": best.number,
                        "steps": best.user_attrs.get("steps"), "values": [_finite(v) for v in values],
                        "seeds": [self.seed] + confirm.seeds(self.seed)[:len(values) - 1]}
        as_given = study.user_attrs.get("as_given")
        spent = sum(r["steps"] or 0 for r in rows) + (as_given or {}).get("steps", 0) + confirm.steps(study)
        return {"metric": self.metric, "validation": self.validation, "study": study.study_name,
                "steps": self.steps, "seed": self.seed, "trials_wanted": self.trials,
                "best": best_out, "as_given": as_given, "trials": rows, "steps_spent": spent,
                "space": [p.describe() for p in self.space],
                "paste": paste.lines(self.subject, self.optimizer0, best_out["params"]) if best_out else [],
                "notes": self.notes + paste.notes(self.optimizer0, self.space) + self._unsearched()}

    def _unsearched(self) -> list[str]:
        from dldoctor.probes.tuning.space import batch_param

        if any(p.name == "batch_size" for p in self.space) or batch_param(self.subject.train_data) is None:
            return []
        return ["batch_size is not searched unless named (--params lr,...,batch_size): at a fixed number of steps "
                "a larger batch sees more examples, so the search would favour it for that alone"]


def _best(study):
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if t.value is not None]
    return min(done, key=lambda t: (not math.isfinite(t.value), t.value, t.number)) if done else None


def _finite(v):
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _fmt(v) -> str:
    if isinstance(v, list):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    if isinstance(v, float):
        return f"{v:.3g}" if math.isfinite(v) else "—"
    return str(v)
