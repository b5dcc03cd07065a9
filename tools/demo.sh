#!/usr/bin/env bash
# Install into .venv (like tools/test.sh) and run the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/_install.sh
source tools/_install.sh
ts_install
ran=0
for ex in examples/walkthrough.py examples/logistic_regression.py; do
    if [ -f "$ex" ]; then
        echo
        echo "===== $ex ====="
        "$VENV/bin/python" "$ex"
        ran=$((ran + 1))
    else
        echo "(skipping $ex: not there yet)"
    fi
done
echo
echo "demo: ran $ran example(s)"
