"""TensorSmith: a symbolic tensor-graph compiler.

    import tensorsmith.tensor as pt
    from tensorsmith import function
    x = pt.dscalar("x")
    f = function([x], pt.grad(x ** 2, x))
"""
import os as _os

from tensorsmith_graphcore import register_library_path as _register_library_path

_register_library_path(_os.path.dirname(_os.path.abspath(__file__)))

from tensorsmith_tensorops.config import config, change_flags  # noqa: E402,F401
from tensorsmith_tensorops.sharedvar import shared  # noqa: E402,F401
from tensorsmith_autodiff import grad, Lop, Rop, pullback, pushforward  # noqa: E402,F401

from .compile import Function, In, Mode, Out, function, get_mode  # noqa: E402,F401
from . import printing  # noqa: E402,F401
from .printing import debugprint, dprint, pprint  # noqa: E402,F401

__version__ = "0.1.0"

__all__ = ["function", "grad", "shared", "config", "change_flags", "Mode", "In", "Out",
           "Function", "debugprint", "dprint", "pprint", "Lop", "Rop", "pullback", "pushforward", "tensor",
           "gradient"]


def __getattr__(name):
    # lazy submodules keep `import tensorsmith` cheap
    if name in ("tensor", "gradient"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'tensorsmith' has no attribute {name!r}")
