#!/usr/bin/env bash
# The main job on a built-in example: set up, then diagnose a classic fault (softmax before CrossEntropyLoss).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dldoctor examples
dldoctor diagnose --example "${1:-softmax-before-ce}" || test $? -eq 1   # exit 1 = problems found, as expected
