"""dldoctor's probes.  ``from probes import watch`` gives watch mode (probes/watch.py).

The re-exports are lazy (PEP 562) so that ``import probes`` and the probe declarations stay torch-free.
``probes.watch`` is both the module and the function: the module is callable (``watch(model, ...)``),
because importing a submodule rebinds the package attribute of the same name to the module.
"""

_LAZY = {"Watch": "dldoctor.probes.watch", "DoomedRun": "dldoctor.probes.watch"}


def __getattr__(name: str):
    import importlib

    if name == "watch":
        return importlib.import_module("dldoctor.probes.watch")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dldoctor.probes' has no attribute {name!r}")
