"""``dldoctor.testing.assert_trains``: fail a test when a subject does not train (see ``dldoctor.probes.testing``)."""
from dldoctor.probes.testing import assert_trains

__all__ = ["assert_trains"]
