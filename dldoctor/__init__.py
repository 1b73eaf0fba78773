"""dldoctor: finds out why a deep-learning model trains badly, and says what to do about it.

The one import namespace.  The repository keeps its folders ``kb/``, ``expert/``, ``probes/`` and
``tui/`` at the top; they are installed as ``dldoctor.kb``, ``dldoctor.expert``, ``dldoctor.probes``
and ``dldoctor.tui`` (``package-dir`` in pyproject.toml).  The public API, loaded lazily (PEP 562) so
that ``import dldoctor`` stays torch-free:

- ``dldoctor.diagnose(target_or_subject, ...)``: the headless diagnosis (``dldoctor.expert.diagnosis``);
- ``dldoctor.watch(model, optimizer, record=...)``: watch mode inside a training loop;
- ``dldoctor.testing.assert_trains(...)``: a test helper that fails when a subject does not train;
- ``dldoctor.Subject``: the thing to diagnose, when a target wants to build it itself.
"""

_LAZY = {
    "diagnose": ("dldoctor.expert.diagnosis", "diagnose"),
    "watch": ("dldoctor.probes.watch", "watch"),
    "Watch": ("dldoctor.probes.watch", "Watch"),
    "Subject": ("dldoctor.expert.subject", "Subject"),
}

__all__ = ["diagnose", "watch", "Watch", "Subject", "testing"]


def __getattr__(name: str):
    import importlib

    if name == "testing":
        return importlib.import_module("dldoctor.testing")
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'dldoctor' has no attribute {name!r}")
