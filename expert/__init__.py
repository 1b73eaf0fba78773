"""dldoctor's expert: knowledge base, compiler, inference engine and the headless diagnosis.

``from expert import diagnose`` — importing this package never imports torch.
"""


def diagnose(*args, **kwargs):
    """See ``expert.diagnosis.diagnose``."""
    from dldoctor.expert.diagnosis import diagnose as _diagnose

    return _diagnose(*args, **kwargs)


__all__ = ["diagnose"]
