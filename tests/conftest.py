"""Test-wide settings: one torch thread (small test models run as fast, and a shared 2-core machine
does not thrash), and a private KB cache folder."""
import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_thread_and_private_cache(tmp_path_factory):
    os.environ.setdefault("DLDOCTOR_CACHE_DIR", str(tmp_path_factory.mktemp("dldoctor-cache")))
    os.environ.setdefault("DLDOCTOR_THREADS", "1")
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
