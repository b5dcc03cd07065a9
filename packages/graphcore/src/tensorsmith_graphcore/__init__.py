"""tensorsmith_graphcore: the graph IR, traversals, FunctionGraph, the rewrite
driver and the VM.  Knows no tensor and needs no numpy.

The hot modules (``graph``, ``fg``, ``vm``) are Python source compiled by
Cython where the build ran a compiler.  ``TENSORSMITH_PURE_PYTHON=1`` runs
them as plain Python; ``pure_python()`` loads a separate plain-Python copy
beside the compiled one (for benchmarks and tests of both)."""
import importlib.abc
import importlib.util
import os
import sys

__version__ = "0.1.0"

_HERE = os.path.dirname(os.path.abspath(__file__))
HOT_MODULES = ("graph", "fg", "vm", "op", "link", "rewrite")


class _SourceOnlyFinder(importlib.abc.MetaPathFinder):
    """Finds ``<prefix>.<mod>`` in ``directory`` as ``.py`` source only."""

    def __init__(self, prefix, directory, names):
        self.prefix = prefix
        self.directory = directory
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        head, _, tail = fullname.rpartition(".")
        if head != self.prefix or tail not in self.names:
            return None
        fn = os.path.join(self.directory, tail + ".py")
        if not os.path.exists(fn):
            return None
        return importlib.util.spec_from_file_location(fullname, fn)


if os.environ.get("TENSORSMITH_PURE_PYTHON", "") not in ("", "0"):
    sys.meta_path.insert(0, _SourceOnlyFinder(__name__, _HERE, HOT_MODULES))

from . import graph as _graph_mod  # noqa: E402
from .graph import (  # noqa: E402
    Apply,
    Constant,
    Variable,
    ancestors,
    applys_between,
    clone,
    clone_get_equiv,
    clone_replace,
    equal_computations,
    format_location,
    get_tracing,
    graph_hash,
    graph_inputs,
    io_toposort,
    is_in_ancestors,
    location_of,
    orphans_between,
    set_tracing,
    toposort,
    user_location,
    vars_between,
)
from .fg import Feature, FunctionGraph, InconsistencyError, MissingInputError  # noqa: E402
from .op import Op, Type  # noqa: E402
from .vm import VM, PerformThunk  # noqa: E402
from .link import Linker, PerformLinker, Schedule, make_storage  # noqa: E402
from . import rewrite  # noqa: E402,F401  (the rewrite engine: tensorsmith_graphcore.rewrite)
from .util import add_library_path as _add_warning_library_path  # noqa: E402
from .util import gc_paused, user_frame, warn_user  # noqa: E402

COMPILED = not _graph_mod.__file__.endswith(".py")
"""True when the hot modules are the Cython-compiled ones."""


def register_library_path(path):
    """Frames whose file lies under ``path`` are library frames: a node's
    trace skips them and points at the first frame outside every registered
    path, and so does a warning issued with ``warn_user``."""
    _graph_mod.register_library_path(path)
    _add_warning_library_path(path)


register_library_path(_HERE)


def pure_python():
    """A plain-Python copy of graphcore, loaded from source as the package
    ``tensorsmith_graphcore_pure`` (independent of the compiled classes)."""
    name = "tensorsmith_graphcore_pure"
    if name in sys.modules:
        return sys.modules[name]
    sys.meta_path.insert(0, _SourceOnlyFinder(name, _HERE, HOT_MODULES + ("util",)))
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(_HERE, "__init__.py"), submodule_search_locations=[]
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    old = os.environ.get("TENSORSMITH_PURE_PYTHON")
    os.environ["TENSORSMITH_PURE_PYTHON"] = "1"
    try:
        spec.loader.exec_module(mod)
    finally:
        if old is None:
            del os.environ["TENSORSMITH_PURE_PYTHON"]
        else:
            os.environ["TENSORSMITH_PURE_PYTHON"] = old
    return mod


__all__ = [
    "Apply", "Constant", "Variable", "Op", "Type", "FunctionGraph", "Feature",
    "MissingInputError", "InconsistencyError", "VM", "PerformThunk", "Linker", "PerformLinker", "Schedule",
    "toposort", "io_toposort", "ancestors", "graph_inputs", "vars_between", "applys_between",
    "orphans_between", "clone", "clone_get_equiv", "clone_replace", "equal_computations",
    "graph_hash", "is_in_ancestors", "location_of", "user_location", "format_location", "register_library_path",
    "set_tracing", "get_tracing", "make_storage", "gc_paused", "warn_user", "user_frame", "COMPILED",
    "pure_python",
]
