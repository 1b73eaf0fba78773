"""Coarse to fine, then Bayesian: the guide's method as one Optuna sampler, staged by trial number.

- coarse (the first ~40% of the trials): scrambled Sobol points (Optuna's QMCSampler) over the wide
  ranges: quasi-random covers each range more evenly than random with few points;
- fine (the next ~30%): uniform (log-uniform for log ranges) inside the box spanned by the best
  quarter of the finished trials, widened by 1/16 of each range on both sides and to at least 1/8 of
  it (neighbouring choices for a categorical);
- Bayesian (the rest): Optuna's TPESampler, multivariate, learning from every trial before it.

The stage depends on the trial's number only, which the storage hands out: workers on one machine
or several share one sequence of stages.  QMC points are drawn by a sample index kept in the
study, so workers with the same seed share one Sobol sequence; the fine stage's draws are seeded by
the trial number.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler, QMCSampler, RandomSampler, TPESampler
from optuna.trial import TrialState

COARSE, FINE = 0.4, 0.3  # shares of the trials; the rest is Bayesian
TOP = 0.25  # the fine box spans the best quarter of the finished trials
PAD, MIN_WIDTH = 1 / 16, 1 / 8  # of each range


def stages(trials: int) -> tuple[int, int]:
    """(number of coarse trials, number of fine trials) for a study of ``trials``."""
    if trials <= 3:
        return trials, 0
    coarse = max(2, round(COARSE * trials))
    return coarse, min(trials - coarse, round(FINE * trials))


class StagedSampler(BaseSampler):
    def __init__(self, space: dict, trials: int, seed: int, worker_seed: int):
        self.space = space
        self.coarse, self.fine = stages(trials)
        self.seed = seed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            self._qmc = QMCSampler(qmc_type="sobol", scramble=True, seed=seed, warn_asynchronous_seeding=False,
                                   warn_independent_sampling=False)
            self._tpe = TPESampler(seed=worker_seed, n_startup_trials=0, multivariate=True, constant_liar=True)
        self._random = RandomSampler(seed=worker_seed)

    def stage(self, number: int) -> str:
        if number < self.coarse:
            return "coarse"
        return "fine" if number < self.coarse + self.fine else "bayesian"

    def infer_relative_search_space(self, study, trial):
        if self.stage(trial.number) == "bayesian":
            return self._tpe.infer_relative_search_space(study, trial)
        return dict(self.space)

    def sample_relative(self, study, trial, search_space):
        stage = self.stage(trial.number)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if stage == "bayesian":
                return self._tpe.sample_relative(study, trial, search_space)
            if stage == "fine":
                box = fine_sample(study, trial.number, search_space, self.seed)
                if box is not None:
                    return box
            return self._qmc.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, name, distribution):
        if self.stage(trial.number) == "bayesian":
            return self._tpe.sample_independent(study, trial, name, distribution)
        return self._random.sample_independent(study, trial, name, distribution)

    def before_trial(self, study, trial):
        self._tpe.before_trial(study, trial)

    def after_trial(self, study, trial, state, values):
        self._tpe.after_trial(study, trial, state, values)

    def reseed_rng(self):
        self._random.reseed_rng()
        self._tpe.reseed_rng()


def fine_sample(study, number: int, space: dict, seed: int) -> dict | None:
    """A point in the box around the best finished trials; None before any finished."""
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and math.isfinite(t.value)]
    if not done:
        return None
    done.sort(key=lambda t: t.value)
    top = done[:max(2, math.ceil(TOP * len(done)))]
    rng = np.random.RandomState((seed * 1_000_003 + number) % 2**32)
    out = {}
    for name, dist in space.items():
        seen = [t.params[name] for t in top if name in t.params]
        if not seen:
            continue
        if isinstance(dist, CategoricalDistribution):
            idx = [dist.choices.index(v) for v in seen if v in dist.choices]
            lo, hi = max(0, min(idx) - 1), min(len(dist.choices) - 1, max(idx) + 1)
            out[name] = dist.choices[rng.randint(lo, hi + 1)]
        elif isinstance(dist, (FloatDistribution, IntDistribution)):
            out[name] = _in_box(dist, seen, rng)
    return out


def _in_box(dist, seen: list, rng):
    f = math.log if dist.log else float
    inv = math.exp if dist.log else float
    L, H = f(dist.low), f(dist.high)
    width = H - L
    lo, hi = max(L, f(min(seen)) - PAD * width), min(H, f(max(seen)) + PAD * width)
    if hi - lo < MIN_WIDTH * width:
        mid = (lo + hi) / 2
        lo, hi = max(L, mid - MIN_WIDTH * width / 2), min(H, mid + MIN_WIDTH * width / 2)
    value = min(max(inv(rng.uniform(lo, hi)), dist.low), dist.high)
    if isinstance(dist, IntDistribution):
        return int(min(max(round(value), dist.low), dist.high))
    if dist.step:
        value = dist.low + round((value - dist.low) / dist.step) * dist.step
    return float(value)
