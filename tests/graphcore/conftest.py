"""Fixtures for the graphcore tests: every test runs against both
implementations, the Cython-compiled package and its pure-Python copy."""
import importlib.util
import os

import pytest

import tensorsmith_graphcore

HERE = os.path.dirname(os.path.abspath(__file__))
TOYLIB = os.path.join(HERE, "_toylib")
FORCED_PURE = os.environ.get("TENSORSMITH_PURE_PYTHON", "") not in ("", "0")

_spec = importlib.util.spec_from_file_location("_graphcore_toy", os.path.join(TOYLIB, "toy.py"))
_toy_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_toy_mod)

_impls = {}


def get_impl(name):
    if name not in _impls:
        if name == "compiled":
            g = tensorsmith_graphcore
            if not FORCED_PURE:
                # a broken build must not pass silently as the plain-Python fallback
                assert g.COMPILED, f"graphcore is not compiled: {g.graph.__file__}"
        else:
            g = tensorsmith_graphcore.pure_python()
            assert not g.COMPILED
            assert g.graph.__file__.endswith(".py")
        g.register_library_path(TOYLIB)
        _impls[name] = g
    return _impls[name]


@pytest.fixture(params=["compiled", "pure"])
def g(request):
    """The graphcore implementation under test."""
    return get_impl(request.param)


_toys = {}


@pytest.fixture
def toy(g):
    """Toy types and ops (Python scalars) built on ``g``."""
    if id(g) not in _toys:
        _toys[id(g)] = _toy_mod.make_toy(g)
    return _toys[id(g)]
