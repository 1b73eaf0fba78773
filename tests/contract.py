"""Where the shared contract is: ``../shared/contract`` beside the checkout (CI has it there), or
``$DLDOCTOR_CONTRACT``.  Outside CI a missing contract skips the tests that read it; in CI
(``CI=true``) it fails them loudly, so they can never pass by not running."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def contract_dir() -> Path:
    return Path(os.environ.get("DLDOCTOR_CONTRACT") or ROOT.parent / "shared" / "contract")


def contract_file(name: str) -> Path:
    """The contract's file ``name``; skips (outside CI) or fails (in CI) when it is missing."""
    path = contract_dir() / name
    if not path.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI: the shared contract is missing ({path}); set DLDOCTOR_CONTRACT or lay shared/ beside the checkout")
        pytest.skip(f"the shared contract is not beside this checkout ({path})")
    return path
