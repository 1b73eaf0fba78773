"""The built-in KB ships inside the wheel: build it, install it (not editable) into a fresh virtual
environment and run ``dldoctor kb check`` there, from a folder that is not the source tree."""
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
def test_wheel_installs_and_checks_its_kb(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
                   check=True, cwd=tmp_path)
    wheel = next(dist.glob("dldoctor-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)  # reuse torch etc.; the wheel itself is fresh
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True, cwd=tmp_path)
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    clean["DLDOCTOR_CACHE_DIR"] = str(tmp_path / "cache")
    out = subprocess.run([str(env_dir / "bin" / "dldoctor"), "kb", "check"], cwd=tmp_path, env=clean, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok:")
    where = subprocess.run([str(py), "-c", "import dldoctor.kb, dldoctor.expert; print(dldoctor.kb.__file__, dldoctor.expert.__file__)"],
                           cwd=tmp_path, env=clean, capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in where and "site-packages" in where
    # one top-level package: the wheel's top_level.txt and its file list hold dldoctor alone
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        tops = {n.split("/")[0] for n in zf.namelist() if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"dldoctor"}, tops
    api = subprocess.run([str(py), "-c", "import sys, dldoctor; dldoctor.diagnose; dldoctor.Subject; dldoctor.testing.assert_trains; "
                          "assert callable(dldoctor.watch)"], cwd=tmp_path, env=clean, capture_output=True, text=True)
    assert api.returncode == 0, api.stderr
    listing = subprocess.run([str(env_dir / "bin" / "dldoctor"), "examples"], cwd=tmp_path, env=clean, capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
