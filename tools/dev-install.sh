#!/usr/bin/env bash
# Development install: .venv with the build dependencies and an editable install
# of the whole repository (meson-python rebuilds the Cython modules on import).
set -euo pipefail
cd "$(dirname "$0")/.."
TS_INSTALL=editable
# shellcheck source=tools/_install.sh
source tools/_install.sh
ts_install
echo "done: use $VENV/bin/python (or: source $VENV/bin/activate)"
