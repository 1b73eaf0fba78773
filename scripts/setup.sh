#!/usr/bin/env bash
# Installs dldoctor and what it needs on a fresh machine. torch is pinned first: a CPU build of
# 2.13.0 is available here, while a bare `torch` would pull gigabytes of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check "torch==2.13.0"
# constraints.txt holds torch at 2.13.0 while the test extra (transformers, accelerate, lightning) resolves
python3 -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
