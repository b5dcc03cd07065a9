#!/usr/bin/env bash
# Install into .venv (like tools/test.sh) and run the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/_install.sh
source tools/_install.sh
ts_install
for ex in examples/walkthrough.py examples/logistic_regression.py; do
    echo
    echo "===== $ex ====="
    "$VENV/bin/python" "$ex"
done
