"""`dldoctor tune`: the guide's last stage, run in the probe worker (imports torch and optuna).

``space``   what the subject exposes without code changes (the optimizer's ``param_groups``, the
            DataLoader's batch size) plus what it declares (``search_space`` with ``build(params)``)
``data``    the training and validation loaders of one trial (a held-out split when no val_data)
``trial``   one trial: a fresh copy of the subject trained for N steps, seeded, validated at checkpoints
``sampler`` coarse (quasi-random) -> fine (around the best) -> Bayesian (TPE), by trial number
``study``   the Optuna study shared through a storage, the ask/tell loop, pruning, the summary
``confirm`` the best few trials trained again with other seeds; the best is the lowest mean
``paste``   the line to paste into the user's code
"""
