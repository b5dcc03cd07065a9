#!/usr/bin/env bash
# Install into .venv, run the whole test suite, then run every benchmark once
# (asv quick mode against the installed environment).
#   bash tools/test.sh [pytest args...]
#   TS_SKIP_BENCH=1   skip the benchmarks
#   TS_INSTALL=wheel  regular (non-editable) install instead of editable
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=tools/_install.sh
source tools/_install.sh
start=$(date +%s)
ts_install
echo "+ install took $(( $(date +%s) - start ))s"

echo "+ pytest"
t0=$(date +%s)
set +e
"$VENV/bin/python" -m pytest -q "$@"
rc=$?
set -e
echo "+ pytest took $(( $(date +%s) - t0 ))s (exit $rc)"
if [ "$rc" -eq 5 ]; then
    if [ "$#" -gt 0 ]; then
        echo "pytest collected no tests for the given selection: $*"
        rc=0
    else
        echo "error: pytest collected no tests at all" >&2
    fi
fi
if [ "$rc" -ne 0 ]; then
    exit "$rc"
fi

if [ "${TS_SKIP_BENCH:-0}" != "0" ]; then
    echo "+ benchmarks skipped (TS_SKIP_BENCH)"
    exit 0
fi
echo "+ asv (quick, every benchmark once, against $VENV)"
t0=$(date +%s)
cd "$ROOT/asv_bench"
"$ROOT/$VENV/bin/asv" machine --yes --machine ci >/dev/null
set +e
"$ROOT/$VENV/bin/asv" run --python=same --quick --show-stderr
rc=$?
set -e
echo "+ asv took $(( $(date +%s) - t0 ))s (exit $rc)"
if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 2 ] && echo "error: a benchmark failed" >&2
    exit "$rc"
fi
echo "+ all done in $(( $(date +%s) - start ))s"
