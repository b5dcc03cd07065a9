# Sourced by tools/*.sh: create (or reuse) the venv and install the repository
# into it.  Expects to run from the repository root.
#   VENV            venv folder (default .venv)
#   PYTHON          interpreter that creates the venv (default python3, needs >= 3.11)
#   TS_INSTALL      "editable" (default: meson-python editable install, Cython
#                   rebuilds on import) or "wheel" (a regular install)
#   TS_EXTRA_PKGS   extra packages to install (default: the test/benchmark tools)
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TS_INSTALL=${TS_INSTALL:-editable}
TS_EXTRA_PKGS=${TS_EXTRA_PKGS:-"numpy scipy pytest hypothesis asv virtualenv build"}

ts_install() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "+ creating $VENV with $("$PYTHON" --version 2>&1)"
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' || {
        echo "error: $VENV has Python < 3.11; remove it or set PYTHON=python3.11" >&2; return 1; }
    echo "+ installing build requirements and tools into $VENV"
    # shellcheck disable=SC2086
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        -r requirements-build.txt $TS_EXTRA_PKGS
    local venv_abs
    venv_abs=$(cd "$VENV" && pwd)
    # --no-build-isolation: the build deps come from the venv, so the editable
    # rebuild-on-import keeps working; CYTHON as an absolute path for the same reason.
    if [ "$TS_INSTALL" = "wheel" ]; then
        echo "+ installing the repository (regular install)"
        CYTHON="$venv_abs/bin/cython" PATH="$venv_abs/bin:$PATH" \
            "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
            --no-build-isolation ".[test]"
    else
        echo "+ installing the repository (editable)"
        CYTHON="$venv_abs/bin/cython" PATH="$venv_abs/bin:$PATH" \
            "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
            --no-build-isolation -e ".[test]"
    fi
    "$VENV/bin/python" -c 'import tensorsmith_graphcore as g; print("+ tensorsmith_graphcore compiled:", g.COMPILED)'
}
