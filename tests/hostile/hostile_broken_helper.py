"""Imported by import_raises_deep.py: the error is two frames down in the user's own code."""


def _read_config():
    return {"lr": 1e-3}["batch_size"]


settings = _read_config()
